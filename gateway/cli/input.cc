#include "gateway/cli/input.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace trialgate::cli {

bool ReadInput(const std::string& file, std::string* content) {
  std::stringstream buffer;
  if (file == "-") {
    buffer << std::cin.rdbuf();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    buffer << in.rdbuf();
  }
  *content = buffer.str();
  return true;
}

}  // namespace trialgate::cli
