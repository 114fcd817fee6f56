#include "app/commands.hpp"

int main(int argc, char** argv) {
  return dokkerr::app::main(argc, argv);
}
