// UTF-8 validation for names, strings and metadata read from or written to
// segments (spec/format.md §"Strings": every kString value is valid UTF-8).
#pragma once

#include <string_view>

namespace dp::format {

// True iff `s` is well-formed UTF-8 per Unicode Table 3-7: no overlong forms,
// no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated
// sequences. ASCII runs are checked 8 bytes at a time.
bool IsValidUtf8(std::string_view s);

}  // namespace dp::format
