#include "paraflow/io/decimal.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace paraflow {

Parsed parse_decimal(std::string_view s, double& value) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const std::size_t mantissa_start = i;
  std::size_t mantissa_digits = digits();
  if (i < s.size() && s[i] == '.') ++i, mantissa_digits += digits();
  bool ok = mantissa_digits > 0;
  if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    ok = digits() > 0;
  }
  if (!ok || i != s.size()) {
    std::string word(s.substr(mantissa_start));
    std::transform(word.begin(), word.end(), word.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return word == "nan" || word == "inf" || word == "infinity" ? Parsed::not_finite
                                                                : Parsed::not_decimal;
  }
  // from_chars takes no leading '+'; out-of-range results go through strtod (0 on underflow,
  // HUGE_VAL on overflow).
  const std::size_t skip = s[0] == '+' ? 1 : 0;
  const auto result = std::from_chars(s.data() + skip, s.data() + s.size(), value);
  if (result.ec == std::errc::result_out_of_range)
    value = std::strtod(std::string(s.substr(skip)).c_str(), nullptr);
  return std::isfinite(value) ? Parsed::number : Parsed::not_finite;
}

}  // namespace paraflow
