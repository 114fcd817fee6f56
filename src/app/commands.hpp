#pragma once

namespace dokkerr::app {

struct ServerConfig;

// Parses the command line (and DOKKERR_* environment, and --config FILE) and runs a subcommand.
int main(int argc, char** argv);

// `dokkerr server`: runs until SIGTERM/SIGINT; returns the process exit code.
int run_server(ServerConfig config);

}  // namespace dokkerr::app
