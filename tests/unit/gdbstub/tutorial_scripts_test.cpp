// docs/tutorial.md cannot rot: every gdb command it shows (a line starting with "(gdb) ") is a
// command line of one of gdb-scripts/tutorial_*.gdb, which CTest runs against svm and the sample
// OS (label gdb), and every such script is named in the tutorial. In the scripts, {tmp} (the
// runner's directory of the run) stands for the tutorial's /tmp, {source}/ for the source tree
// the tutorial's commands run in, and {guest} for its build/guest.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace {

const std::filesystem::path kScripts = SVM_GDB_SCRIPTS_DIR;
const std::filesystem::path kTutorial = kScripts / ".." / "docs" / "tutorial.md";

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t p = 0; (p = text.find(from, p)) != std::string::npos; p += to.size())
        text.replace(p, from.size(), to);
}

std::vector<std::filesystem::path> tutorial_scripts() {
    std::vector<std::filesystem::path> scripts;
    for (const auto& entry : std::filesystem::directory_iterator(kScripts)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("tutorial_", 0) == 0 && entry.path().extension() == ".gdb")
            scripts.push_back(entry.path());
    }
    return scripts;
}

TEST(TutorialScripts, EveryGdbCommandShownIsRunByATutorialScript) {
    const auto tutorial = lines_of(kTutorial);
    ASSERT_FALSE(tutorial.empty()) << kTutorial << " is missing or empty";
    std::set<std::string> run;
    for (const auto& script : tutorial_scripts()) {
        for (std::string line : lines_of(script)) {
            if (line.empty() || line[0] == '#') continue;
            replace_all(line, "{tmp}", "/tmp");
            replace_all(line, "{source}/", "");
            replace_all(line, "{guest}", "build/guest");
            run.insert(line);
        }
    }
    ASSERT_FALSE(run.empty()) << "no gdb-scripts/tutorial_*.gdb";
    size_t shown = 0;
    for (const auto& line : tutorial) {
        if (line.rfind("(gdb) ", 0) != 0) continue;
        ++shown;
        const std::string command = line.substr(6);
        EXPECT_TRUE(run.count(command)) << "docs/tutorial.md shows `" << command
                                        << "`, which no gdb-scripts/tutorial_*.gdb runs";
    }
    EXPECT_GE(shown, 10u) << "the tutorial shows hardly any gdb commands";
}

TEST(TutorialScripts, EveryTutorialScriptIsNamedInTheTutorial) {
    std::string text;
    for (const auto& line : lines_of(kTutorial)) text += line + "\n";
    for (const auto& script : tutorial_scripts())
        EXPECT_NE(text.find(script.filename().string()), std::string::npos)
            << script.filename() << " is not named in docs/tutorial.md";
}

}  // namespace
