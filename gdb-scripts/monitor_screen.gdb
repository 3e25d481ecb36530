# `monitor screen` prints the VGA text screen as --screen-text writes it: break once the Bare
# Bones style kernel (guest/pc/display/kernel.c) has written it, then ask svm for it.
# svm: {guest}/vga_text.elf
# expect: Breakpoint 1, screen_done
# expect: svm VGA text test: Hello, kernel World!
# expect: ╔═══════╗
# expect: ║ ░▒▓█ ☺ ║
# expect: line 20
# expect: cursor ok
# expect: monitor screen\s+the VGA text screen
# exit: 137
hbreak screen_done
continue
monitor screen
monitor help
kill
