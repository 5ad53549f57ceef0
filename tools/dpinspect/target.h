// What a dpinspect TARGET argument names, resolved once for every command:
//   dp://product/dataset[@v|@time|@tag]   a dataset version in the mesh root
//                                         given by --root (or $DP_MESH_ROOT)
//   DIR/product/dataset[@v|@time|@tag]    the same by path
//   DIR/product                           a product (its catalog entry)
//   DIR                                   a mesh root (the catalog)
//   FILE.dpc                              one segment file
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dp/dataset.h"
#include "dp/result.h"
#include "dp/segment.h"

namespace dp::tools::inspect {

struct Target {
  enum class Kind { kSegment, kDataset, kProduct, kMeshRoot };
  Kind kind = Kind::kSegment;
  std::string text;  // as given
  std::shared_ptr<Segment> segment;  // kSegment
  std::optional<Mesh> mesh;          // all but kSegment
  std::optional<Product> product;    // kProduct, kDataset
  std::optional<Dataset> dataset;    // kDataset
  SnapshotPtr snapshot;              // kDataset: the selected version
};

// `root` is --root (may be empty: then $DP_MESH_ROOT for dp:// addresses).
// NotFound / InvalidArgument name the target and what is missing.
Result<Target> ResolveTarget(std::string_view text, std::string_view root);

}  // namespace dp::tools::inspect
