// dpinspect TARGET resolution (target.h).
#include "tools/dpinspect/target.h"

#include <cstdlib>
#include <filesystem>

namespace dp::tools::inspect {
namespace {

namespace fs = std::filesystem;

bool IsDatasetDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p / "_versions", ec);
}
bool IsProductDir(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p / "_product.dpm", ec);
}

Result<Target> DatasetTarget(Target t, const Mesh& mesh, const std::string& address) {
  DP_ASSIGN_OR_RETURN(Address a, Address::Parse(address));
  DP_ASSIGN_OR_RETURN(Product product, mesh.OpenProduct(a.product));
  DP_ASSIGN_OR_RETURN(Dataset dataset, product.OpenDataset(a.dataset));
  DP_ASSIGN_OR_RETURN(t.snapshot, mesh.Resolve(a));
  t.kind = Target::Kind::kDataset;
  t.mesh = mesh;
  t.product = std::move(product);
  t.dataset = std::move(dataset);
  return t;
}

}  // namespace

Result<Target> ResolveTarget(std::string_view text, std::string_view root) {
  Target t;
  t.text = std::string(text);
  if (text.starts_with("dp://")) {
    std::string mesh_root(root);
    if (mesh_root.empty()) {
      const char* env = std::getenv("DP_MESH_ROOT");
      if (env == nullptr || *env == '\0') {
        return Status::InvalidArgument("'" + t.text + "' is an address: say which mesh root it is in with --root DIR "
                                       "(or set DP_MESH_ROOT)");
      }
      mesh_root = env;
    }
    DP_ASSIGN_OR_RETURN(Mesh mesh, Mesh::Open(mesh_root));
    // Not t.text: `t` may be moved into the parameter before it is read.
    const std::string address(text);
    return DatasetTarget(std::move(t), mesh, address);
  }
  // A path, maybe with an @selector after its last component.
  std::string path(text), selector;
  const size_t at = path.rfind('@');
  if (at != std::string::npos && path.find('/', at) == std::string::npos && at > 0) {
    selector = path.substr(at);
    path.resize(at);
  }
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  std::error_code ec;
  const fs::path p(path);
  if (!fs::exists(p, ec)) return Status::NotFound("'" + path + "': no such file or directory");
  if (IsDatasetDir(p)) {
    const fs::path product_dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    const fs::path mesh_dir = product_dir.parent_path().empty() ? fs::path(".") : product_dir.parent_path();
    DP_ASSIGN_OR_RETURN(Mesh mesh, Mesh::Open(mesh_dir.string()));
    const std::string address =
        "dp://" + product_dir.filename().string() + "/" + p.filename().string() + selector;
    return DatasetTarget(std::move(t), mesh, address);
  }
  if (!selector.empty()) {
    return Status::InvalidArgument("'" + t.text + "': a version selector (" + selector +
                                   ") needs a dataset directory, and '" + path + "' is not one");
  }
  if (IsProductDir(p)) {
    const fs::path mesh_dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    DP_ASSIGN_OR_RETURN(Mesh mesh, Mesh::Open(mesh_dir.string()));
    DP_ASSIGN_OR_RETURN(Product product, mesh.OpenProduct(p.filename().string()));
    t.kind = Target::Kind::kProduct;
    t.mesh = std::move(mesh);
    t.product = std::move(product);
    return t;
  }
  if (fs::is_directory(p, ec)) {
    DP_ASSIGN_OR_RETURN(Mesh mesh, Mesh::Open(path));
    t.kind = Target::Kind::kMeshRoot;
    t.mesh = std::move(mesh);
    return t;
  }
  DP_ASSIGN_OR_RETURN(t.segment, Segment::Open(path));
  t.kind = Target::Kind::kSegment;
  return t;
}

}  // namespace dp::tools::inspect
