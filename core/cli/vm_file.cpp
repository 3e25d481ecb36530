#include "core/cli/vm_file.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cli/vm_options.h"
#include "core/machine/run_outcome.h"

namespace svm::cli {

namespace {

template <typename... Args>
std::unexpected<Error> file_error(const std::string& path, uint32_t line,
                                  fmt::format_string<Args...> format, Args&&... args) {
    return with_exit_code(Error{fmt::format("{}:{}: {}", path, line,
                                            fmt::format(format, std::forward<Args>(args)...))},
                          exit_code::kUsage);
}

// "a string", "an integer", ... for messages.
const char* type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        default:
            return "nothing";
    }
}

// A string, integer or float as an option's value on the command line; nullopt for other types.
std::optional<std::string> scalar_text(const toml::node& node) {
    if (auto s = node.value_exact<std::string>()) return *s;
    if (auto i = node.value_exact<int64_t>()) return std::to_string(*i);
    if (auto f = node.value_exact<double>()) return fmt::format("{}", *f);
    return std::nullopt;
}

uint32_t line_of(const toml::node& node) {
    return node.source().begin.line;
}

// The keys a [[vm]] table may have besides the options: kernel and args.
struct Schema {
    std::vector<std::string> options = vm_option_names();

    bool is_option(const std::string& key) const {
        return std::find(options.begin(), options.end(), key) != options.end();
    }
};

// Turns one [[vm]] table into a command line.
Result<VmDefinition> read_vm_table(const toml::table& table, const std::string& path,
                                   const Schema& schema, size_t index) {
    VmDefinition vm;
    vm.file = path;
    vm.line = line_of(table);
    vm.index = index;
    std::vector<std::string> tail;  // args, then "--" KERNEL
    std::optional<std::string> kernel;
    for (const auto& [key_object, node] : table) {
        const std::string key(key_object.str());
        const uint32_t line =
            key_object.source().begin.line ? key_object.source().begin.line : line_of(node);
        if (key == "kernel") {
            auto text = node.value_exact<std::string>();
            if (!text)
                return file_error(path, line, "kernel must be a string (the KERNEL path), not {}",
                                  type_name(node));
            kernel = *text;
            vm.option_lines.emplace_back("KERNEL", line);
        } else if (key == "args") {
            const toml::array* array = node.as_array();
            if (!array)
                return file_error(path, line,
                                  "args must be an array of strings (options as on the command "
                                  "line), not {}",
                                  type_name(node));
            for (const toml::node& element : *array) {
                auto text = element.value_exact<std::string>();
                if (!text)
                    return file_error(path, line_of(element),
                                      "args must be an array of strings, but one is {}",
                                      type_name(element));
                tail.push_back(*text);
                if (text->rfind("--", 0) == 0)
                    vm.option_lines.emplace_back(text->substr(0, text->find('=')),
                                                 line_of(element));
            }
        } else if (!schema.is_option(key)) {
            return file_error(path, line,
                              "unknown key \"{}\" in [[vm]]: a key is a long option of svm "
                              "without its \"--\" (memory, cpus, disk, net, ... see svm --help), "
                              "or name, kernel or args",
                              key);
        } else if (vm_option_is_flag(key)) {
            auto flag = node.value_exact<bool>();
            if (!flag)
                return file_error(path, line, "{} is a flag (--{}): give true or false, not {}",
                                  key, key, type_name(node));
            if (*flag) vm.args.push_back("--" + key);
            vm.option_lines.emplace_back("--" + key, line);
        } else if (const toml::array* array = node.as_array()) {
            for (const toml::node& element : *array) {
                auto text = scalar_text(element);
                if (!text)
                    return file_error(path, line_of(element),
                                      "{}: each value must be a string or a number, not {}", key,
                                      type_name(element));
                vm.args.push_back("--" + key);
                vm.args.push_back(*text);
            }
            vm.option_lines.emplace_back("--" + key, line);
        } else {
            auto text = scalar_text(node);
            if (!text)
                return file_error(path, line,
                                  "{} (--{}) takes a string or a number (an array to repeat it), "
                                  "not {}",
                                  key, key, type_name(node));
            vm.args.push_back("--" + key);
            vm.args.push_back(*text);
            vm.option_lines.emplace_back("--" + key, line);
        }
    }
    vm.args.insert(vm.args.end(), tail.begin(), tail.end());
    if (kernel) {
        // After "--", a KERNEL path that begins with '-' is still a path.
        vm.args.push_back("--");
        vm.args.push_back(*kernel);
    }
    return vm;
}

}  // namespace

Result<std::vector<VmDefinition>> parse_vm_file(std::string_view text, const std::string& path) {
    toml::table document;
    try {
        document = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        return file_error(path, e.source().begin.line, "{}", e.description());
    }
    const Schema schema;
    std::vector<VmDefinition> vms;
    for (const auto& [key_object, node] : document) {
        const std::string key(key_object.str());
        const uint32_t line = key_object.source().begin.line;
        if (key != "vm")
            return file_error(path, line,
                              "unknown key \"{}\": a VM file holds [[vm]] tables, one per VM", key);
        const toml::array* array = node.as_array();
        if (!array || !array->is_array_of_tables())
            return file_error(path, line,
                              "vm must be an array of tables: write [[vm]] (two brackets) above "
                              "each VM's keys");
        for (const toml::node& element : *array)
            vms.push_back(TRY(read_vm_table(*element.as_table(), path, schema, vms.size() + 1)));
    }
    if (vms.empty())
        return with_exit_code(Error{path + ": no [[vm]] table: the file defines no VM"},
                              exit_code::kUsage);
    return vms;
}

Result<std::vector<VmDefinition>> read_vm_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return with_exit_code(Error{path + ": cannot read the VM file: it is a directory"},
                              exit_code::kUsage);
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return with_exit_code(Error{path + ": cannot read the VM file: " + std::strerror(errno)},
                              exit_code::kUsage);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad())
        return with_exit_code(Error{path + ": cannot read the VM file: " + std::strerror(errno)},
                              exit_code::kUsage);
    return parse_vm_file(text.str(), path);
}

}  // namespace svm::cli
