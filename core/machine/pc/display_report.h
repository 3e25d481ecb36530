// The VGA text screen as svm prints it when the run ends (--display auto, or --display text
// without a terminal to draw on).
#pragma once

#include <string>

#include "devices/display/text_snapshot.h"

namespace svm {

// A framed copy of the screen for the terminal: a header line, the 25 rows (UTF-8, trailing
// blanks trimmed, trailing empty rows left out, each prefixed with "| " ("|" alone for an empty
// row) so a screen line never looks like svm's own messages) and a closing line with the cursor
// position. `vm` (a VM of a set: its name) is named in the header: "svm: NAME: the guest's ...".
std::string final_screen_report(const TextSnapshot& screen, const std::string& vm = "");

}  // namespace svm
