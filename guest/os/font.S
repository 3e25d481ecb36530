/*
 * The console font, built into the kernel: the build gunzips one of Debian console-setup-linux's
 * VGA 8x16 fonts (/usr/share/consolefonts/FullGreek-VGA16.psf.gz, the font svm draws its own VGA
 * text screen with; guests.cmake) and OS_FONT_PSF names the result. font.c parses it.
 */
    .section .rodata.font, "a"
    .global font_psf, font_psf_end
    .balign 16
font_psf:
    .incbin OS_FONT_PSF
font_psf_end:
    .section .note.GNU-stack, "", @progbits
