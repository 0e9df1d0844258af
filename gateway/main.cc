#include "gateway/cli/main_cli.h"

int main(int argc, char** argv) { return trialgate::cli::Main(argc, argv); }
