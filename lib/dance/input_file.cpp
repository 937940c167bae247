#include "dance/input_file.hpp"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dance {

namespace {

Error read_error(const std::string& path, std::string_view what,
                 const std::string& detail) {
    std::string source = path == "-"
                             ? std::string(what) + " from standard input"
                             : std::string(what) + " " + path;
    return make_error(ErrorCategory::input,
                      "cannot read " + source + ": " + detail);
}

Error too_large(const std::string& path, std::string_view what,
                std::size_t limit) {
    return read_error(path, what,
                      "larger than the limit of " + std::to_string(limit) +
                          " octets");
}

// Opens without blocking on a FIFO that has no writer, then switches
// back to blocking reads.
int open_for_reading(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

Result<std::string> read_descriptor(int fd, const std::string& path,
                                    std::string_view what, std::size_t limit) {
    struct stat info {};
    if (::fstat(fd, &info) != 0)
        return read_error(path, what, std::strerror(errno));
    if (S_ISDIR(info.st_mode))
        return read_error(path, what, "is a directory");
    if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) >
                                     static_cast<std::uint64_t>(limit))
        return too_large(path, what, limit);

    std::string content;
    char buffer[65536];
    while (true) {
        ssize_t count = ::read(fd, buffer, sizeof buffer);
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return read_error(path, what, std::strerror(errno));
        if (count == 0)
            return content;
        content.append(buffer, static_cast<std::size_t>(count));
        if (content.size() > limit)
            return too_large(path, what, limit);
    }
}

} // namespace

Result<std::string> read_input_file(const std::string& path,
                                    std::string_view what, std::size_t limit) {
    if (path == "-")
        return read_descriptor(STDIN_FILENO, path, what, limit);

    int fd = open_for_reading(path);
    if (fd < 0)
        return read_error(path, what, std::strerror(errno));
    Result<std::string> content = read_descriptor(fd, path, what, limit);
    ::close(fd);
    return content;
}

} // namespace dance
