// File-system primitives of the dataset layer (spec/layout.md §"Commit
// protocol"): whole-file reads with a size limit, create-if-absent publication
// (temp file, fsync, link, fsync directory), random ids, directory listing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "dp/result.h"

namespace dp::internal {

// 32 lowercase hex characters from 128 random bits (the OS entropy source).
std::string RandomHex128();
int64_t NowMicros();  // UTC, system clock

// Reads a whole file; NotFound if absent; Corruption if larger than max_bytes
// (checked with fstat before allocating).
Result<std::vector<uint8_t>> ReadWholeFile(const std::string& path, uint64_t max_bytes);

// Writes `bytes` to `dir/.tmp-<random>`, fdatasyncs it, links it to
// `dir/name` (EEXIST: AlreadyExists, nothing published), unlinks the temp
// name and fsyncs `dir`. `*published` (if given) is set once the link
// succeeded, even if the final fsync fails. If NowMicros() is past
// `deadline_us` when the file is ready to link, nothing is published and
// the result is DeadlineExceeded-like Conflict (see DatasetStore::Commit).
Status PublishFile(const std::string& dir, const std::string& name, std::span<const uint8_t> bytes,
                   bool* published = nullptr, int64_t deadline_us = INT64_MAX);

// Best-effort replace of a small non-authoritative file (temp + rename, no fsync).
void WriteHintFile(const std::string& dir, const std::string& name, const std::string& content);

// true / false / IOError for other errors than ENOENT.
Result<bool> FileExists(const std::string& path);
// Entry names of a directory (no "." / ".."); NotFound if absent.
Result<std::vector<std::string>> ListDirectory(const std::string& dir);
Status MakeDirectory(const std::string& path);  // OK if it already exists
Status SyncDir(const std::string& dir);
// mtime in UTC micros and size; NotFound if absent.
Result<std::pair<int64_t, uint64_t>> FileTimeAndSize(const std::string& path);
Status RemoveFile(const std::string& path);  // OK if already gone

}  // namespace dp::internal
