// Spellings that YAML readers give a type other than string when written plain, generated
// alternative by alternative from the implicit-type rules: the YAML 1.1 type repository
// (yaml.org/type/bool, int, float, null, timestamp, merge, value), the YAML 1.2.2 core schema
// (section 10.3.2) and Go's yaml.v3 resolver (Compose v2). Each alternative is expanded with
// its optional sign, its '_' separators and its case forms, so the tests hold every form the
// rules name rather than a few hand-picked words.
#pragma once
#include <cctype>
#include <string>
#include <vector>

namespace nanoforge::testing {

inline std::vector<std::string> typed_spellings() {
  std::vector<std::string> out;
  auto add = [&](const std::string& text) { out.push_back(text); };
  auto with_signs = [&](const std::string& body) {
    for (const char* sign : {"", "+", "-"}) add(sign + body);
  };
  auto case_forms = [&](const std::string& lower) {  // yes, Yes, YES
    std::string capitalized = lower, upper = lower;
    capitalized[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(capitalized[0])));
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    add(lower);
    if (capitalized != lower) add(capitalized);
    if (upper != capitalized) add(upper);
  };

  // bool.html: y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
  // (the 1.2 core's true|True|TRUE|false|False|FALSE are among them).
  for (const char* word : {"y", "yes", "n", "no", "true", "false", "on", "off"}) case_forms(word);
  // null.html and the 1.2 core: ~ | null|Null|NULL | (empty).
  add("~");
  case_forms("null");
  add("");
  // int.html, each alternative with its optional sign:
  //   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
  for (const char* body : {"0b0", "0b1", "0b1010_0111_0100_1010_1110", "0b_", "00", "07", "017", "02472256", "0_7",
                           "0", "1", "9", "123", "685230", "685_230", "1_", "0x0", "0xC", "0xdeadBEEF", "0x_0A_74_AE",
                           "1:0", "1:20", "3:25:45", "190:20:30", "1_0:5:59"})
    with_signs(body);
  // float.html: [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)? | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
  //   | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
  for (const char* body : {"1.", "1.5", ".5", ".", "0.", "685_230.15", "685.230_15e+03", "6.8523015e+5",
                           "6.8523015E-5", "1.2.3", "190:20:30.15", "1:20.", ".inf", ".Inf", ".INF"})
    with_signs(body);
  for (const char* body : {".nan", ".NaN", ".NAN"}) add(body);
  // timestamp.html: its examples and the date form
  //   [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] | ....-[0-9][0-9]?-[0-9][0-9]?([Tt]|[ \t]+)HH:MM:SS(\.f)?(tz)?
  for (const char* text : {"2002-12-14", "2001-12-14", "0000-00-00", "2001-12-15T02:59:43.1Z",
                           "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2001-12-15 2:59:43.10",
                           "2001-1-2T3:04:05Z"})
    add(text);
  // merge.html and value.html.
  add("<<");
  add("=");
  // The 1.2 core schema beyond 1.1: 0o[0-7]+, [-+]?[0-9]+ (a leading zero with 8 or 9),
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? (an exponent without a point or sign).
  for (const char* body : {"0o0", "0o17", "08", "09", "0089", "1e3", "1E3", "1e-3", "1e+3", "12e34", "1.e5", ".5e5"})
    with_signs(body);
  // Go's yaml.v3: strconv.ParseInt(_, 0, 64) with every '_' removed (prefixes in either case),
  // and dates with a one-digit month or day.
  for (const char* body : {"0X1F", "0B1", "0O17", "0_x1f", "1__0", "0x1_f", "1_0e3"}) with_signs(body);
  for (const char* text : {"2001-1-2", "2001-12-1", "2001-1-12"}) add(text);
  return out;
}

}  // namespace nanoforge::testing
