# Shared by the process-start -> first-COM1-byte benchmarks (bench/bios/run.sh,
# bench/limine/run.sh): reading bench/bios/first_byte.py's result lines and printing how many times
# faster svm is than QEMU. Sourced, not run.

# value KEY LINE: the value of KEY=... in one of first_byte.py's result lines.
value() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# ratio A B: A / B with one decimal, or n/a when either is missing or zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.1f", a / b; else print "n/a" }'; }

# print_ratio PREFIX TARGET BOTH_MEASURED SVM_LINE QEMU_LINE: the qemu/svm line, on medians and on
# minimums, or n/a when BOTH_MEASURED is 0.
print_ratio() {
    local prefix="$1" target="$2" both="$3" svm_line="$4" qemu_line="$5"
    if ((both)); then
        local med min
        med="$(ratio "$(value median_ms "$qemu_line")" "$(value median_ms "$svm_line")")"
        min="$(ratio "$(value min_ms "$qemu_line")" "$(value min_ms "$svm_line")")"
        echo "$prefix ratio qemu/svm: median ${med}x, min ${min}x (target >= $target)"
    else
        echo "$prefix ratio qemu/svm: n/a (both VMMs must be measured)"
    fi
}
