// Words for a message: "a, b, c".
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace nanoforge {

// `items` in order with `separator` between them; "" for none. Throws nothing but
// std::bad_alloc.
std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ");

}  // namespace nanoforge
