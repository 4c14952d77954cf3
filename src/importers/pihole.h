// `labgate import pihole`: Pi-hole's local DNS records -> the `dns` names of a labgate file.
//
// Two inputs:
//   - custom.list (Pi-hole v5, /etc/pihole/custom.list): hosts-file lines "ADDRESS NAME [NAME...]",
//     '#' comments and blank lines;
//   - pihole.toml (Pi-hole v6, /etc/pihole/pihole.toml): the `hosts` key of the `[dns]` table, a
//     TOML array of "ADDRESS NAME [NAME...]" strings. Only as much TOML is read as is needed to
//     find it: tables, dotted keys, basic/literal (multi-line) strings, arrays, inline tables and
//     bare scalars; anything malformed is an error at LINE:COL.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "importers/fragment.h"

namespace labgate::importers {

struct PiholeRecord {
  int line = 0;
  int column = 0;
  std::string address;
  std::string name;
  std::string text;  // the record as written
};

enum class PiholeFormat { kCustomList, kToml };

// kToml when the name ends in ".toml", else by content: a '[' table header or a "key =" line
// before any record means TOML.
PiholeFormat detect_pihole_format(std::string_view file_name, std::string_view text);

std::optional<std::vector<PiholeRecord>> parse_custom_list(std::string_view text,
                                                           ImportError* error);
std::optional<std::vector<PiholeRecord>> parse_pihole_toml(std::string_view text,
                                                           ImportError* error);

// The records as `dns: { zone, names }`. The zone is names.zone, else the last label most names
// share. Each address becomes the service names.services maps it to, else "svc-A-B-C-D".
Fragment import_pihole(const std::vector<PiholeRecord>& records, const ImportNames& names,
                       const std::string& source_name);

}  // namespace labgate::importers
