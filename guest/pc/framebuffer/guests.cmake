# Framebuffer guests (docs/guests.md): guest/pc/framebuffer/fb.c draws fb_pattern.h's picture on a
# Multiboot 2 framebuffer, a Multiboot 1 framebuffer, and a Bochs VBE mode it sets itself
# (tests/kvm/framebuffer_test.cpp compares svm's screenshots with the pattern).
set(SVM_FB_DIR pc/framebuffer)
svm_add_guest(fb_mb2.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_FB_DIR}/mb2_video.S ${SVM_FB_DIR}/entry32.S ${SVM_FB_DIR}/fb.c)
svm_add_guest(fb_mb1.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_FB_DIR}/mb1_video.S ${SVM_FB_DIR}/entry32.S ${SVM_FB_DIR}/fb.c)
svm_add_guest(fb_bga.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_FB_DIR}/mb1_video.S ${SVM_FB_DIR}/entry32.S ${SVM_FB_DIR}/fb.c
              OPTIONS -DFB_BGA)
# The display benchmark's guest (bench/display, docs/benchmarks.md "Display (VNC)"): Bochs VBE
# 1024x768x32 set by the guest, then the latency, fps or idle mode named on the command line.
svm_add_guest(fb_bench.elf VARIANT 32 LINKER_SCRIPT multiboot1/linker.ld
              SOURCES ${SVM_FB_DIR}/mb1_video.S ${SVM_FB_DIR}/entry32.S ${SVM_FB_DIR}/fb_bench.c pc/input/ps2.c
              OPTIONS -DFB_BGA)
