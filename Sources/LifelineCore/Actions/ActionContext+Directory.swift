import Foundation

/// The directory access of the actions that change the user's account (reset-password, unlock-account).
extension ActionContext {
    /// The tenant's directory and the user's account in it; refuses (audited) when there is no account, fails with
    /// 503 when the directory cannot be reached.
    func directoryAccount() async throws -> (any Directory, DirectoryAccount) {
        do {
            let directory = try await service.directories.directory(tenant: tenant, settings: config.directory)
            guard let account = try await directory.account(username: user.username) else {
                try await refused("no account in the directory")
                throw LifelineError(.actionUnavailable, "there is no account for you in the directory", details: [detail("action.no_account")])
            }
            return (directory, account)
        } catch let e as DirectoryUnavailable {
            try await storage.append(audit("failed", "directory unavailable: \(e.description)"))
            throw LifelineError(.unavailable, "the directory cannot be reached; try again later", details: [detail("directory.unavailable")])
        }
    }
}

extension ActionCheck {
    /// The availability of an action on the user's directory account: `action.no_account` without one,
    /// `directory.unavailable` when it cannot be reached, else what `account` says.
    func onDirectoryAccount(_ account: (DirectoryAccount) -> String?) async -> String? {
        do {
            guard let found = try await directoryAccount() else { return "action.no_account" }
            return account(found)
        } catch {
            return "directory.unavailable"
        }
    }
}
