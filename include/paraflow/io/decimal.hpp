// Strict decimal numbers, as users write them in options and data files: no hexadecimal, no
// spaces, no words.
#pragma once

#include <string_view>

namespace paraflow {

enum class Parsed { number, not_decimal, not_finite };

/// [+-] digits [. digits] [(e|E) [+-] digits], with a digit on one side of the point, and
/// nothing else. `nan`, `inf`, `infinity` (any case) and values that overflow are not_finite.
/// On `number`, `value` holds the nearest double.
Parsed parse_decimal(std::string_view text, double& value);

}  // namespace paraflow
