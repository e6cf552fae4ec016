import Foundation
import LifelineCore
import Logging
import ServiceLifecycle

/// Writes an audit anchor file: a temp file renamed over the target, so a reader never sees half an anchor.
public enum AuditAnchorFile {
    public static func write(_ anchor: AuditAnchor, to path: String) throws {
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data((anchor.json() + "\n").utf8), attributes: [.posixPermissions: 0o644]) else {
            throw LifelineError(.configuration, "cannot write the audit anchor \(path)")
        }
        guard rename(tmp, path) == 0 else {
            try? FileManager.default.removeItem(atPath: tmp)
            throw LifelineError(.configuration, "cannot replace the audit anchor \(path)")
        }
    }
}

/// Anchors the audit chains every `interval`: verifies the events appended to each chain since its last anchor (all
/// of them at start), then logs the anchor (one head per chain) and, with a `path`, writes it there. Why: an anchor kept outside the database (a
/// log collector, another host's disk) shows a later tail cut or rewrite; the server cannot vouch for what it did
/// not verify, so a broken chain is reported instead of anchored.
struct AuditAnchorWriter: Service {
    let store: any AuditLog
    let clock: any LifelineClock
    let path: String?
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var last: [String: AuditEvent] = [:]
            while !Task.isCancelled {
                last = await anchorOnce(after: last)
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// One round; returns each chain's event to continue from next time.
    func anchorOnce(after last: [String: AuditEvent]) async -> [String: AuditEvent] {
        do {
            let (anchor, verification) = try await store.anchorChain(time: clock.now(), after: last)
            guard let anchor else {
                if let broken = verification.broken {
                    logger.error("audit chain broken: not anchored",
                                 metadata: ["chain": "\(broken.chain ?? "")", "seq": "\(broken.seq)", "reason": "\(broken.reason)"])
                }
                // Start over next time: the break may be a concurrent append's race, or fixed by the operator.
                return [:]
            }
            if !last.isEmpty, last.mapValues(\.seq) == verification.heads.mapValues(\.seq) { return last }
            logger.info("audit anchor", metadata: ["anchor": "\(anchor.json())"])
            if let path { try AuditAnchorFile.write(anchor, to: path) }
            return verification.heads
        } catch {
            logger.warning("audit anchoring failed", metadata: ["error": "\(error)"])
            return last
        }
    }
}
