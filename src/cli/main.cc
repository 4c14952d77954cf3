// labgate: one declarative file -> a validated homelab gateway. See README.md.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/version.h"
#include "plan/text_quote.h"

int main(int argc, char** argv) {
  CLI::App app{"labgate: a declarative gateway for homelab clusters"};
  app.set_version_flag("--version", std::string("labgate ") + LABGATE_VERSION);
  app.require_subcommand(1);
  int exit_status = 0;
  for (auto add : labgate::registered_commands()) add(app, exit_status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const labgate::UnsafeText& e) {
    // A value the validator let through that a generator will not write (plan/text_quote.h):
    // it is thrown while the text is composed, before anything is applied or written.
    std::cerr << "labgate: error: " << e.what()
              << " (hint: nothing was changed; the file passed validation, so this is a bug in "
                 "labgate: please report it)\n";
    return 1;
  }
  return exit_status;
}
