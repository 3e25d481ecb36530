# svm_reset_host_flags(): guest code (guest/, bench/guest/) gets exactly the freestanding flags its
# CMakeLists gives and nothing from the host build: no sanitizers from the top level, no
# CMAKE_C_FLAGS a user set for svm itself, no SVM_HOST_WARNINGS. A macro, so that it clears the
# calling directory's variables.
macro(svm_reset_host_flags)
    set_property(DIRECTORY PROPERTY COMPILE_OPTIONS "")
    set_property(DIRECTORY PROPERTY LINK_OPTIONS "")
    foreach(lang C ASM)
        set(CMAKE_${lang}_FLAGS "")
        foreach(config DEBUG RELEASE RELWITHDEBINFO MINSIZEREL)
            set(CMAKE_${lang}_FLAGS_${config} "")
        endforeach()
    endforeach()
    set(CMAKE_EXE_LINKER_FLAGS "")
    foreach(config DEBUG RELEASE RELWITHDEBINFO MINSIZEREL)
        set(CMAKE_EXE_LINKER_FLAGS_${config} "")
    endforeach()
endmacro()
