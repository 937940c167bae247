// dance: the executable. It links only libc, nettle and the static C++
// runtime, so it starts in a fraction of the time the full tool needs.
// The commonest call, one DANE-EE record from one certificate, is done
// here (fast_tlsa.cpp). Everything else, and every case the fast path
// declines, runs in the dance-cli module. That module links GnuTLS,
// getdns, OpenSSL and Knot, and is loaded only then.
#include "exit_codes.hpp"
#include "fast_tlsa.hpp"
#include "module.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DANCE_MODULE_DIR
#error "DANCE_MODULE_DIR must name the installed module's folder"
#endif

namespace {

using dance::cli::module_entry_point;
using dance::cli::module_file_name;

// The folder of the running executable, with a trailing slash, or an
// empty string when /proc is not mounted.
std::string executable_folder() {
    char path[4096];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    if (length <= 0)
        return "";
    std::string text(path, static_cast<std::size_t>(length));
    std::size_t slash = text.rfind('/');
    return slash == std::string::npos ? "" : text.substr(0, slash + 1);
}

// The module next to the executable, as in the build tree, else the one
// installed with it.
std::string module_path() {
    std::string beside = executable_folder() + module_file_name;
    if (beside.size() > std::strlen(module_file_name) &&
        access(beside.c_str(), F_OK) == 0)
        return beside;
    return std::string(DANCE_MODULE_DIR) + "/" + module_file_name;
}

// dlerror() text usually starts with the path, which the message names
// already.
void report_module_error(const std::string& path, const char* detail) {
    std::string text = detail ? detail : "unknown error";
    if (text.starts_with(path + ": "))
        text.erase(0, path.size() + 2);
    std::fprintf(stderr,
                 "dance: error: cannot load the dance module %s: %s: "
                 "install dance together with its module ('meson install' "
                 "puts both in place)\n",
                 path.c_str(), text.c_str());
}

// Whether a loadable segment of the ELF file at `path` ends past the end
// of the file, as in a copy cut short. dlopen() maps such a segment
// without complaint, and the first access then ends the process with
// SIGBUS. Files that are not ELF are left for dlopen() to report.
bool truncated_module(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat info {};
    ElfW(Ehdr) header{};
    bool elf = fstat(fd, &info) == 0 &&
               pread(fd, &header, sizeof header, 0) == sizeof header &&
               std::memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
               header.e_phentsize == sizeof(ElfW(Phdr));
    bool truncated = false;
    for (unsigned i = 0; elf && !truncated && i < header.e_phnum; ++i) {
        ElfW(Phdr) segment{};
        off_t at = static_cast<off_t>(header.e_phoff + i * sizeof segment);
        truncated =
            pread(fd, &segment, sizeof segment, at) != sizeof segment ||
            (segment.p_type == PT_LOAD &&
             segment.p_offset + segment.p_filesz >
                 static_cast<std::uint64_t>(info.st_size));
    }
    close(fd);
    return truncated;
}

// Lazy binding, as for the libraries of an ordinary executable: the
// module's hundreds of PLT entries are not all resolved on every start.
int run_module(int argc, char** argv) {
    std::string path = module_path();
    if (truncated_module(path)) {
        report_module_error(path, "the file is truncated");
        return dance::cli::exit_internal;
    }
    void* module = dlopen(path.c_str(), RTLD_LAZY | RTLD_LOCAL);
    if (module == nullptr) {
        report_module_error(path, dlerror());
        return dance::cli::exit_internal;
    }

    using Entry = int (*)(int, char**);
    void* symbol = dlsym(module, module_entry_point);
    if (symbol == nullptr) {
        report_module_error(path, dlerror());
        return dance::cli::exit_internal;
    }
    return reinterpret_cast<Entry>(symbol)(argc, argv);
}

// DANCE_NO_FAST_PATH (any non-empty value) sends every call to the
// module, to compare the two paths or to rule the fast one out.
bool fast_path_enabled() {
    const char* value = std::getenv("DANCE_NO_FAST_PATH");
    return value == nullptr || value[0] == '\0';
}

} // namespace

int main(int argc, char** argv) {
    if (fast_path_enabled()) {
        if (std::optional<int> code = dance::cli::run_fast_tlsa(argc, argv))
            return *code;
    }
    return run_module(argc, argv);
}
