#include "storage/dataset/product.h"

#include <algorithm>

#include "format/manifest.h"
#include "storage/dataset/files.h"

namespace dp::internal {

Status CreateProduct(const std::string& root, ProductInfo* info) {
  DP_RETURN_IF_ERROR(ValidateName(info->name, "product"));
  for (const std::string& t : info->tags) {
    if (t.size() > 256) return Status::InvalidArgument("product '" + info->name + "': tag longer than 256 bytes");
  }
  if (info->freshness_sla_seconds < 0) {
    return Status::InvalidArgument("product '" + info->name + "': freshness SLA must be >= 0 seconds");
  }
  const std::string dir = root + "/" + info->name;
  DP_RETURN_IF_ERROR(MakeDirectory(dir));
  info->created_us = NowMicros();
  format::ProductRecord r{info->name, info->domain, info->owner, info->description,
                          info->tags, info->freshness_sla_seconds, info->created_us};
  Status s = PublishFile(dir, "_product.dpm", format::EncodeProduct(r));
  if (s.code() == StatusCode::kAlreadyExists) {
    return Status::AlreadyExists("product '" + info->name + "' already exists (" + dir + ")");
  }
  DP_RETURN_IF_ERROR(s);
  return SyncDir(root);
}

Result<ProductInfo> ReadProduct(const std::string& root, std::string_view name) {
  DP_RETURN_IF_ERROR(ValidateName(name, "product"));
  const std::string path = root + "/" + std::string(name) + "/_product.dpm";
  auto bytes = ReadWholeFile(path, 1u << 26);
  if (!bytes.ok()) {
    if (bytes.status().IsNotFound()) {
      return Status::NotFound("product '" + std::string(name) + "' does not exist in mesh " + root);
    }
    return bytes.status();
  }
  DP_ASSIGN_OR_RETURN(const fb::Product* p, format::ParseProduct(*bytes, path));
  if (p->name()->string_view() != name) {
    return Status::Corruption(path + ": metadata names product '" + p->name()->str() + "'");
  }
  auto str = [](const flatbuffers::String* s) { return s ? s->str() : std::string(); };
  ProductInfo info;
  info.name = p->name()->str();
  info.domain = str(p->domain());
  info.owner = str(p->owner());
  info.description = str(p->description());
  if (p->tags()) {
    for (const flatbuffers::String* t : *p->tags()) info.tags.push_back(t->str());
  }
  info.freshness_sla_seconds = p->freshness_sla_seconds();
  info.created_us = p->created_us();
  return info;
}

Result<std::vector<std::string>> ListChildren(const std::string& dir, const std::string& marker) {
  DP_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir));
  std::vector<std::string> out;
  for (std::string& n : names) {
    if (!ValidateName(n, "").ok()) continue;
    DP_ASSIGN_OR_RETURN(bool has, FileExists(dir + "/" + n + "/" + marker));
    if (has) out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dp::internal
