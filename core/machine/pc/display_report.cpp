#include "core/machine/pc/display_report.h"

#include <fmt/format.h>

namespace svm {

std::string final_screen_report(const TextSnapshot& screen, const std::string& vm) {
    int rows = TextSnapshot::kRows;
    while (rows > 0 && screen.line(rows - 1).empty()) --rows;
    std::string out = "svm: " + (vm.empty() ? "" : vm + ": ") +
                      "the guest's VGA text screen (80x25) when the run ended:\n";
    for (int row = 0; row < rows; ++row) {
        std::string line = screen.line(row);
        out += line.empty() ? "|\n" : "| " + line + "\n";
    }
    if (screen.cursor_visible)
        out += fmt::format("svm: (end of screen; cursor at row {}, column {})\n",
                           screen.cursor_row + 1, screen.cursor_column + 1);
    else
        out += "svm: (end of screen; cursor hidden)\n";
    return out;
}

}  // namespace svm
