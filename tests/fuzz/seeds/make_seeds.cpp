// Writes the checked-in seed corpora of svm's fuzz targets, tests/fuzz/corpus/<target>/seed-*:
// small valid inputs that reach deep into each target, so a short CTest run starts from real
// kernel images and real driver conversations instead of from nothing. Kernel images come from
// the unit tests' builders (tests/unit/loader/test_images.h); device seeds are the register
// sequences a driver performs, in the targets' operation format (tests/fuzz/common/fuzz_input.h).
// Run it after changing a target's input format:  tests/fuzz/run.sh seeds BUILD_DIR
// Inputs that once crashed a target are kept next to the seeds as regression-* files; this
// program leaves them alone.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "tests/fuzz/seeds/seeds.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: make_seeds CORPUS_DIR SOURCE_ROOT\n";
        return 64;
    }
    const std::string corpus = argv[1];
    svm::fuzz::seeds::Sink sink = [&](const std::string& target, const std::string& name,
                                      const std::vector<uint8_t>& bytes) {
        std::string dir = corpus + "/" + target;
        std::filesystem::create_directories(dir);
        std::ofstream out(dir + "/seed-" + name, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            std::cerr << "make_seeds: cannot write " << dir << "/seed-" << name << "\n";
            std::exit(1);
        }
    };
    svm::fuzz::seeds::loader_seeds(sink);
    svm::fuzz::seeds::limine_seeds(sink);
    svm::fuzz::seeds::table_seeds(sink);
    svm::fuzz::seeds::device_seeds(sink);
    svm::fuzz::seeds::virtio_seeds(sink);
    svm::fuzz::seeds::virtio_device_seeds(sink);
    svm::fuzz::seeds::gdb_seeds(sink, argv[2]);
    return 0;
}
