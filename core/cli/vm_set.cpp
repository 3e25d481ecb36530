#include "core/cli/vm_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/cli/vm_conflicts.h"
#include "core/machine/run_outcome.h"

namespace svm::cli {

namespace {

bool is_name_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// The --name among `args` if there is a valid one, so that an error in the rest of the VM's
// command line can already name it.
std::optional<std::string> scan_name(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") break;
        std::optional<std::string> name;
        if (args[i] == "--name" && i + 1 < args.size()) name = args[i + 1];
        if (args[i].rfind("--name=", 0) == 0) name = args[i].substr(7);
        if (name && is_vm_name(*name)) return name;
    }
    return std::nullopt;
}

// The line of a VM file that gave the option `message` mentions first, else the line of the
// VM's [[vm]] table.
uint32_t line_for(const VmDefinition& vm, const std::string& message) {
    uint32_t line = vm.line;
    size_t first = std::string::npos;
    for (const auto& [option, option_line] : vm.option_lines) {
        for (size_t at = message.find(option); at != std::string::npos;
             at = message.find(option, at + 1)) {
            const size_t end = at + option.size();
            if (end < message.size() && is_name_char(message[end])) continue;  // --boot-disk
            if (at < first) {
                first = at;
                line = option_line;
            }
            break;
        }
    }
    return line;
}

std::unexpected<Error> usage(std::string message) {
    return with_exit_code(Error{std::move(message)}, exit_code::kUsage);
}

std::unexpected<Error> about_vm(const VmDefinition& vm, const std::string& name, Error error) {
    return std::unexpected(vm_error(vm, name, std::move(error)));
}

Result<void> check_names(const std::vector<VmSpec>& vms) {
    std::map<std::string, size_t> seen;
    for (size_t i = 0; i < vms.size(); ++i) {
        auto [it, fresh] = seen.emplace(vms[i].name, i);
        if (!fresh)
            return about_vm(vms[i].definition, vms[i].name,
                            Error{fmt::format("VM {} of the set is named {} too: give each VM its "
                                              "own --name (the default is vm and its place: "
                                              "vm1, vm2, ...)",
                                              it->second + 1, vms[i].name)});
    }
    return {};
}

// Shares (docs/multi-vm.md, "CPU shares"): every VM or none; together at most 100.
Result<void> assign_shares(std::vector<VmSpec>& vms) {
    const auto with_share =
        std::count_if(vms.begin(), vms.end(), [](const VmSpec& vm) { return vm.options.share; });
    if (vms.size() == 1) {
        vms.front().share_percent = 100;
        return {};
    }
    if (with_share == 0) {
        for (VmSpec& vm : vms) vm.share_percent = 100.0 / static_cast<double>(vms.size());
        return {};
    }
    const auto has = std::find_if(vms.begin(), vms.end(),
                                  [](const VmSpec& vm) { return vm.options.share.has_value(); });
    const auto lacks =
        std::find_if(vms.begin(), vms.end(), [](const VmSpec& vm) { return !vm.options.share; });
    if (lacks != vms.end())
        return about_vm(lacks->definition, lacks->name,
                        Error{fmt::format("no --share, but vm \"{}\" gives one: give every VM a "
                                          "share, or none for equal parts",
                                          has->name)});
    int sum = 0;
    std::string parts;
    for (const VmSpec& vm : vms) {
        sum += *vm.options.share;
        parts +=
            fmt::format("{}vm \"{}\" {}", parts.empty() ? "" : ", ", vm.name, *vm.options.share);
    }
    if (sum > 100)
        return usage(
            fmt::format("the VMs' shares add up to {} ({}): together they may be at "
                        "most 100 percent",
                        sum, parts));
    for (VmSpec& vm : vms) vm.share_percent = *vm.options.share * 100.0 / sum;
    return {};
}

// Standard input (docs/multi-vm.md, "Standard input"): the one VM that gives --stdin, else the
// first VM whose console is stdio.
Result<std::optional<size_t>> choose_stdin(const std::vector<VmSpec>& vms) {
    std::optional<size_t> chosen;
    for (size_t i = 0; i < vms.size(); ++i) {
        if (!vms[i].options.stdin_explicit) continue;
        if (chosen)
            return about_vm(vms[i].definition, vms[i].name,
                            Error{fmt::format("gives --stdin, as vm \"{}\" does: standard input "
                                              "goes to one VM only",
                                              vms[*chosen].name)});
        chosen = i;
    }
    if (chosen) return chosen;
    for (size_t i = 0; i < vms.size(); ++i)
        if (vms[i].options.config.serial == "stdio") return std::optional<size_t>(i);
    return std::optional<size_t>();
}

}  // namespace

std::string VmSet::names() const {
    std::string text;
    for (const VmSpec& vm : vms) text += (text.empty() ? "" : ", ") + vm.name;
    return text;
}

std::string vm_label(const VmDefinition& definition, const std::string& name) {
    if (definition.file.empty()) return fmt::format("vm \"{}\": ", name);
    return fmt::format("{}:{}: vm \"{}\": ", definition.file, definition.line, name);
}

Error vm_error(const VmDefinition& definition, const std::string& name, Error error) {
    if (definition.file.empty())
        error.message = vm_label(definition, name) + error.message;
    else
        error.message = fmt::format("{}:{}: vm \"{}\": {}", definition.file,
                                    line_for(definition, error.message), name, error.message);
    if (error.exit_code == 0) error.exit_code = exit_code::kUsage;
    return error;
}

std::string default_vm_name(size_t index) {
    return fmt::format("vm{}", index + 1);
}

Result<VmSet> build_vm_set(const std::vector<VmDefinition>& definitions) {
    if (definitions.empty()) return usage("the VM set is empty: give --vm 'ARGS' or --vm-file");
    VmSet set;
    for (size_t i = 0; i < definitions.size(); ++i) {
        const VmDefinition& definition = definitions[i];
        auto options = parse_vm_options(definition.args);
        if (!options)
            return about_vm(definition, scan_name(definition.args).value_or(default_vm_name(i)),
                            options.error());
        VmSpec vm;
        vm.name = options->name.empty() ? default_vm_name(i) : options->name;
        vm.options = std::move(*options);
        vm.definition = definition;
        set.vms.push_back(std::move(vm));
    }
    TRY(check_names(set.vms));
    TRY(assign_shares(set.vms));
    set.stdin_vm = TRY(choose_stdin(set.vms));
    TRY(check_conflicts(set.vms));
    if (set.vms.size() > 1)
        for (VmSpec& vm : set.vms) vm.options.config.vm_name = vm.name;
    return set;
}

Result<void> prepare_vm_set(VmSet& set) {
    for (VmSpec& vm : set.vms) {
        if (auto prepared = prepare_vm(vm.options); !prepared)
            return about_vm(vm.definition, vm.name, prepared.error());
        if (auto files = check_input_files(vm.options); !files)
            return about_vm(vm.definition, vm.name, files.error());
    }
    return {};
}

}  // namespace svm::cli
