// target.xml, generated from register_table(). The types are copied from gdb's own
// gdb/features/i386/64bit-core.xml and 64bit-sse.xml (GDB manual G.5 "i386 Features": an amd64
// description must have org.gnu.gdb.i386.core and org.gnu.gdb.i386.sse with these registers).
// Every register carries regnum so gdb's numbers equal Reg.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gdbstub/x86_64/registers.h"

namespace svm::gdb::x86_64 {
namespace {

constexpr std::string_view kEflagsType = R"(<flags id="i386_eflags" size="4">
<field name="CF" start="0" end="0"/><field name="" start="1" end="1"/>
<field name="PF" start="2" end="2"/><field name="AF" start="4" end="4"/>
<field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
<field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/>
<field name="DF" start="10" end="10"/><field name="OF" start="11" end="11"/>
<field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
<field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/>
<field name="VIF" start="19" end="19"/><field name="VIP" start="20" end="20"/>
<field name="ID" start="21" end="21"/>
</flags>
)";

constexpr std::string_view kSseTypes = R"(<vector id="v4f" type="ieee_single" count="4"/>
<vector id="v2d" type="ieee_double" count="2"/>
<vector id="v16i8" type="int8" count="16"/>
<vector id="v8i16" type="int16" count="8"/>
<vector id="v4i32" type="int32" count="4"/>
<vector id="v2i64" type="int64" count="2"/>
<union id="vec128">
<field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/>
<field name="v16_int8" type="v16i8"/><field name="v8_int16" type="v8i16"/>
<field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
<field name="uint128" type="uint128"/>
</union>
<flags id="i386_mxcsr" size="4">
<field name="IE" start="0" end="0"/><field name="DE" start="1" end="1"/>
<field name="ZE" start="2" end="2"/><field name="OE" start="3" end="3"/>
<field name="UE" start="4" end="4"/><field name="PE" start="5" end="5"/>
<field name="DAZ" start="6" end="6"/><field name="IM" start="7" end="7"/>
<field name="DM" start="8" end="8"/><field name="ZM" start="9" end="9"/>
<field name="OM" start="10" end="10"/><field name="UM" start="11" end="11"/>
<field name="PM" start="12" end="12"/><field name="FZ" start="15" end="15"/>
</flags>
)";

// Control registers as flags, so gdb prints `[ PG WP ET PE ]` (Intel SDM Vol. 3A 2.5 "Control
// Registers", 2.2.1 "Extended Feature Enable Register").
constexpr std::string_view kSystemTypes = R"(<flags id="svm_cr0" size="8">
<field name="PE" start="0" end="0"/><field name="MP" start="1" end="1"/>
<field name="EM" start="2" end="2"/><field name="TS" start="3" end="3"/>
<field name="ET" start="4" end="4"/><field name="NE" start="5" end="5"/>
<field name="WP" start="16" end="16"/><field name="AM" start="18" end="18"/>
<field name="NW" start="29" end="29"/><field name="CD" start="30" end="30"/>
<field name="PG" start="31" end="31"/>
</flags>
<flags id="svm_cr4" size="8">
<field name="VME" start="0" end="0"/><field name="PVI" start="1" end="1"/>
<field name="TSD" start="2" end="2"/><field name="DE" start="3" end="3"/>
<field name="PSE" start="4" end="4"/><field name="PAE" start="5" end="5"/>
<field name="MCE" start="6" end="6"/><field name="PGE" start="7" end="7"/>
<field name="PCE" start="8" end="8"/><field name="OSFXSR" start="9" end="9"/>
<field name="OSXMMEXCPT" start="10" end="10"/><field name="UMIP" start="11" end="11"/>
<field name="LA57" start="12" end="12"/><field name="VMXE" start="13" end="13"/>
<field name="SMXE" start="14" end="14"/><field name="FSGSBASE" start="16" end="16"/>
<field name="PCIDE" start="17" end="17"/><field name="OSXSAVE" start="18" end="18"/>
<field name="SMEP" start="20" end="20"/><field name="SMAP" start="21" end="21"/>
<field name="PKE" start="22" end="22"/><field name="CET" start="23" end="23"/>
<field name="PKS" start="24" end="24"/>
</flags>
<flags id="svm_efer" size="8">
<field name="SCE" start="0" end="0"/><field name="LME" start="8" end="8"/>
<field name="LMA" start="10" end="10"/><field name="NXE" start="11" end="11"/>
<field name="SVME" start="12" end="12"/><field name="LMSLE" start="13" end="13"/>
<field name="FFXSR" start="14" end="14"/><field name="TCE" start="15" end="15"/>
</flags>
)";

std::string build(std::string_view architecture) {
    std::string xml =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target "
        "version=\"1.0\">\n";
    if (!architecture.empty())
        xml += fmt::format("<architecture>{}</architecture>\n", architecture);
    // One <feature> per feature name, in the order of first appearance (the i386 aliases at the
    // end of the table belong to the core feature); regnum keeps gdb's numbers equal to Reg.
    std::vector<std::string_view> features;
    for (const RegisterInfo& info : register_table()) {
        if (std::find(features.begin(), features.end(), info.feature) == features.end())
            features.push_back(info.feature);
    }
    for (std::string_view feature : features) {
        xml += fmt::format("<feature name=\"{}\">\n", feature);
        if (feature == "org.gnu.gdb.i386.core") xml += kEflagsType;
        if (feature == "org.gnu.gdb.i386.sse") xml += kSseTypes;
        if (feature == "org.svm.x86.sys") xml += kSystemTypes;
        for (int r = 0; r < kRegisterCount; ++r) {
            const RegisterInfo& info = register_table()[r];
            if (info.feature != feature) continue;
            xml += fmt::format("<reg name=\"{}\" bitsize=\"{}\" type=\"{}\" regnum=\"{}\"",
                               info.name, info.bits, info.type, r);
            if (!info.group.empty()) xml += fmt::format(" group=\"{}\"", info.group);
            xml += "/>\n";
        }
        xml += "</feature>\n";
    }
    xml += "</target>\n";
    return xml;
}

}  // namespace

std::string_view target_xml(std::string_view architecture) {
    // A handful of architectures at most; the documents live as long as the process, so the
    // returned views stay valid.
    static std::mutex mutex;
    static std::map<std::string, std::string, std::less<>> documents;
    std::lock_guard lock(mutex);
    auto it = documents.find(architecture);
    if (it == documents.end())
        it = documents.emplace(std::string(architecture), build(architecture)).first;
    return it->second;
}

}  // namespace svm::gdb::x86_64
