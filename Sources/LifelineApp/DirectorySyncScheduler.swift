import Foundation
import LifelineCore
import Logging
import ServiceLifecycle

/// Runs the tenants' scheduled directory syncs (`directory.users.sync_interval`): once a minute it asks which are
/// due (``DirectoryUserService/runDueSyncs()``). With several server processes on one database each may run a due
/// sync; a second run finds nothing to change, so the price is one more directory listing, not a wrong result.
struct DirectorySyncScheduler: Service {
    let service: DirectoryUserService
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let done = await service.runDueSyncs()
                if !done.isEmpty { logger.info("scheduled directory sync", metadata: ["tenants": "\(done.joined(separator: ","))"]) }
                do { try await Task.sleep(for: .seconds(60)) } catch { return }
            }
        }
    }
}
