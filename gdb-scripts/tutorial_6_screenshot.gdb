# docs/tutorial.md, step 6: the OS's framebuffer console in a screenshot. The user types `cpus`
# in svm's terminal (COM1); once its answer is out, Ctrl-C in gdb stops the machine and
# `monitor screendump` writes the screen as PNG. The same text is on the screen as on COM1: the
# screenshot is read back as text with the OS's own font (tests/tools/screen_text.py).
# svm: --cpus 2
# type-after: svm-os>  => cpus
# interrupt-after: [0-9] of 2 cpus online
# expect: received signal SIGINT
# expect: svm-os> cpus
# expect: cpu 0: apic 0 online thread
# expect: cpu 1: apic 1 online thread
# expect: 2 of 2 cpus online
# reject: Remote failure reply
# exit: 137
continue
monitor screendump {tmp}/svm-os.png
shell python3 {source}/tests/tools/screen_text.py --font {guest}/os-font.psf {tmp}/svm-os.png
kill
