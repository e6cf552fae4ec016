/// A fair asynchronous mutex: waiters resume in arrival order. Used to give SQLite's single writer one
/// in-process queue instead of SQLite's sleep-and-retry busy handler.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked { locked = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }
}

/// A pool of reusable values handed out one caller at a time.
actor ResourcePool<Resource: Sendable> {
    private var idle: [Resource]
    private var waiters: [CheckedContinuation<Resource, Never>] = []

    init(_ resources: [Resource]) { idle = resources }

    func take() async -> Resource {
        if let r = idle.popLast() { return r }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func give(_ r: Resource) {
        if waiters.isEmpty { idle.append(r) } else { waiters.removeFirst().resume(returning: r) }
    }

    func drain() -> [Resource] { defer { idle = [] }; return idle }
}
