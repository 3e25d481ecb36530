// The display svm's viewers look at across reboots: the VNC server and the web view are made once
// per run of svm and keep their connections while `--reboot` rebuilds the machine. Each machine
// attaches its display here when it is built and detaches it before it is destroyed; in between,
// viewers keep the last picture and input is dropped.
#pragma once

#include <memory>
#include <mutex>

#include "core/display/frame_source.h"

namespace svm {

class DisplayHub final : public FrameSource {
public:
    // Makes `source` (not null) the screen and `input` where viewer input goes. Thread-safe.
    void attach(std::shared_ptr<FrameSource> source, InputSink input);
    // Detaches the current source, if any; afterwards refresh() leaves the surface unchanged
    // and input is dropped. Thread-safe; waits for a refresh in progress to finish.
    void detach();

    // ^FrameSource
    // Refreshes from the attached source. A newly attached source is drawn whole.
    void refresh(Surface& surface, std::vector<Rect>& changed) override;

    // Input for the VNC server: forwards to the attached machine's keyboard and mouse.
    InputSink input();

private:
    // Lock order: mutex_ before anything the attached source locks.
    std::mutex mutex_;
    std::shared_ptr<FrameSource> source_;
    InputSink sink_;
    bool fresh_ = false;  // source_ has not drawn into the consumer's surface yet
};

}  // namespace svm
