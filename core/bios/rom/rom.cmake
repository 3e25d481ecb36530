# svm's BIOS ROM (core/bios/rom/bios_rom.asm), assembled with nasm at build time and embedded into
# svm as `std::span<const uint8_t> svm::bios_rom_image()` (cmake/EmbedFile.cmake), so svm needs no
# firmware file at run time. Included from core/CMakeLists.txt; defines the library svm_bios_rom.
find_program(SVM_NASM nasm REQUIRED)
set(SVM_BIOS_ROM_SOURCE ${CMAKE_CURRENT_LIST_DIR}/bios_rom.asm)
set(SVM_BIOS_ROM_BIN ${CMAKE_CURRENT_BINARY_DIR}/bios_rom.bin)
set(SVM_BIOS_ROM_CPP ${CMAKE_CURRENT_BINARY_DIR}/bios_rom_data.cpp)
add_custom_command(
    OUTPUT ${SVM_BIOS_ROM_BIN}
    COMMAND ${SVM_NASM} -f bin -o ${SVM_BIOS_ROM_BIN} ${SVM_BIOS_ROM_SOURCE}
    DEPENDS ${SVM_BIOS_ROM_SOURCE}
    COMMENT "Assembling the BIOS ROM"
    VERBATIM)
add_custom_command(
    OUTPUT ${SVM_BIOS_ROM_CPP}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${SVM_BIOS_ROM_BIN} -DOUTPUT=${SVM_BIOS_ROM_CPP}
            -DFUNCTION=bios_rom_image -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    DEPENDS ${SVM_BIOS_ROM_BIN} ${PROJECT_SOURCE_DIR}/cmake/EmbedFile.cmake
    COMMENT "Embedding the BIOS ROM"
    VERBATIM)
add_library(svm_bios_rom STATIC ${SVM_BIOS_ROM_CPP})
