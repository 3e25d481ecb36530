# svm's gdb extension: gdb's architecture follows the CPU mode of the stopped vCPU, so `x/i $pc`,
# `display/i $pc`, `disassemble` and backtraces read real-mode code as 16-bit, protected-mode
# code as 32-bit and long-mode code as 64-bit.
#
#   gdb -x /path/to/svm/gdb-scripts/svm.py -ex "target remote 127.0.0.1:1234" [kernel.elf]
#
# (svm prints this command with the right path when it waits for gdb.) At every stop it reads
# CR0.PE, EFER.LMA and the code segment's L and D bits (svm's cs_attr register, in the VMX
# access-rights layout: L is bit 13, D/B bit 14; Intel SDM Vol. 3A 3.4.5) and runs
# `set architecture i8086`, `i386` or `i386:x86-64` when the mode differs from the last one.
# svm's target description fits all three (docs/gdb.md "32-bit kernels").
#
# Several VMs in one svm (docs/multi-vm.md "gdb with several VMs"): gdb adds an inferior for each
# VM it finds in svm's thread list, but reads svm's target description only for the inferior it
# connected in; the others get gdb's default register layout ("Remote 'g' packet reply is too
# long"). svm-inferiors reads the description for each of them (`unset tdesc filename` in that
# inferior makes gdb fetch it from svm); it runs by itself before every prompt.
#
# Commands:
#   svm-mode          show the mode of the selected thread and the architecture picked for it
#   svm-mode off|on   stop or resume following the mode (then `set architecture auto` restores
#                     the architecture of the program file)
#   svm-inferiors     give every inferior (VM) svm's target description; lists those it fixed
#
# Tested by tests/unit/gdbstub/mode_extension_test.cpp and multi_vm_gdb_test.cpp.
import gdb

_ARCH_BY_MODE = {
    "real": "i8086",
    "16-bit protected": "i8086",
    "32-bit protected": "i386",
    "compatibility": "i386",
    "long": "i386:x86-64",
}

_state = {"enabled": True, "arch": None}


def _register(name):
    return int(gdb.parse_and_eval("(unsigned long long) $" + name))


def current_mode():
    """The selected thread's CPU mode, or None if its registers cannot be read."""
    try:
        cr0, efer, cs_attr = _register("cr0"), _register("efer"), _register("cs_attr")
    except gdb.error:
        return None
    if not cr0 & 1:
        return "real"
    if efer & (1 << 10):  # LMA: IA-32e mode
        return "long" if cs_attr & (1 << 13) else "compatibility"
    return "32-bit protected" if cs_attr & (1 << 14) else "16-bit protected"


def follow_mode():
    """Sets gdb's architecture for the selected thread's mode; returns (mode, architecture)."""
    mode = current_mode()
    if mode is None:
        return None, None
    arch = _ARCH_BY_MODE[mode]
    if arch != _state["arch"]:
        # to_string: gdb warns about the file's OS ABI when it changes architecture; the
        # change itself is what the user asked for by loading this extension.
        gdb.execute("set architecture " + arch, to_string=True)
        _state["arch"] = arch
    return mode, arch


def _on_stop(_event):
    if _state["enabled"]:
        follow_mode()


class SvmMode(gdb.Command):
    """Show the stopped vCPU's CPU mode and the architecture svm.py set for it.
Usage: svm-mode [on|off]"""

    def __init__(self):
        super().__init__("svm-mode", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if arg in ("on", "off"):
            _state["enabled"] = arg == "on"
            _state["arch"] = None
            if _state["enabled"]:
                follow_mode()
            print("svm-mode: following the CPU mode is " + arg)
            return
        if arg:
            raise gdb.GdbError("usage: svm-mode [on|off]")
        mode, arch = follow_mode() if _state["enabled"] else (current_mode(), None)
        if mode is None:
            print("svm-mode: no registers (not connected to svm?)")
            return
        arch = arch or gdb.selected_frame().architecture().name()
        print("svm-mode: %s mode, architecture %s" % (mode, arch))


def _has_svm_registers(inferior):
    return any(r.name == "cs_attr" for r in inferior.architecture().registers())


def describe_inferiors():
    """Reads svm's target description in every inferior with threads that lacks it (a VM gdb
    found in the thread list); returns the numbers of those inferiors."""
    fixed = []
    try:
        current = gdb.selected_thread()
    except gdb.error:
        current = None
    for inferior in gdb.inferiors():
        threads = inferior.threads()
        if inferior.pid == 0 or not threads or _has_svm_registers(inferior):
            continue
        # A thread switch from Python prints no frame (which would read registers with the
        # wrong layout); `unset tdesc filename` then fetches the description for this inferior.
        threads[0].switch()
        gdb.execute("unset tdesc filename", to_string=True)
        fixed.append(inferior.num)
    if fixed and current is not None and current.is_valid():
        current.switch()
    return fixed


class SvmInferiors(gdb.Command):
    """Give every inferior (one per VM) svm's target description.
Usage: svm-inferiors"""

    def __init__(self):
        super().__init__("svm-inferiors", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        fixed = describe_inferiors()
        if fixed:
            print("svm-inferiors: read svm's registers for inferior %s"
                  % ", ".join(str(n) for n in fixed))
        else:
            print("svm-inferiors: every inferior has svm's registers")


def _before_prompt():
    # Quietly: a gdb without Inferior.architecture().registers() (before 11) keeps its layout.
    try:
        describe_inferiors()
    except (gdb.error, AttributeError):
        pass


SvmMode()
SvmInferiors()
gdb.events.stop.connect(_on_stop)
gdb.events.before_prompt.connect(_before_prompt)
# Already connected when sourced (e.g. `source svm.py` after `target remote`): follow now.
try:
    if gdb.selected_inferior().pid != 0:
        follow_mode()
except gdb.error:
    pass
