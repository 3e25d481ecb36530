# PC-convention guests live one area deeper (guest/pc/<area>/guests.cmake); guest/CMakeLists.txt
# includes guest/*/guests.cmake only, so this file includes the areas below it.
file(GLOB SVM_PC_GUEST_AREAS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/pc/*/guests.cmake)
foreach(pc_area ${SVM_PC_GUEST_AREAS})
    include(${pc_area})
endforeach()
