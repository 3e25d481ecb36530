// The web view's file server: which request targets map to which files.
#include <gtest/gtest.h>

#include "core/display/http_file_server.h"

namespace svm {
namespace {

TEST(VncWeb, TargetsMapBelowTheRoot) {
    EXPECT_EQ(HttpFileServer::path_for_target("/"), "/vnc.html");
    EXPECT_EQ(HttpFileServer::path_for_target("/vnc.html?host=127.0.0.1&port=5900"), "/vnc.html");
    EXPECT_EQ(HttpFileServer::path_for_target("/app/ui.js"), "/app/ui.js");
    EXPECT_EQ(HttpFileServer::path_for_target("/app/images/icons/novnc%2032.png"),
              "/app/images/icons/novnc 32.png");
    EXPECT_EQ(HttpFileServer::path_for_target("/a/./b.js"), "/a/./b.js");
    EXPECT_EQ(HttpFileServer::path_for_target("/a..b/c"), "/a..b/c");  // not a ".." segment
}

TEST(VncWeb, EscapesAreRefused) {
    for (const char* bad :
         {"", "vnc.html", "/..", "/../etc/passwd", "/app/../../etc/passwd", "/%2e%2e/etc/passwd",
          "/app/%2E%2E/%2e%2e/x", "/a%00b", "/a%zz", "/a%2", "/..\\x", "http://host/vnc.html"}) {
        EXPECT_EQ(HttpFileServer::path_for_target(bad), "") << bad;
    }
}

}  // namespace
}  // namespace svm
