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
