import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline device activation --tenant T --user U`: issues a Lifeline Authenticator activation (issue 16) and prints
/// its `lifeline://activate?...` URI on a line of its own (an interface outside checks use), as the console's
/// "New activation" button does.
struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device", abstract: "Lifeline Authenticator apps.",
                                                    subcommands: [Activation.self])

    struct Activation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue an activation (single use, 10 minutes) and print its lifeline://activate URI on a line of its own.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant (organization) name.") var tenant: String
        @Option(help: "Username.") var user: String
        func run() async throws {
            let issued = try await withRuntime(storage) { rt in
                try await rt.authenticator.issueActivation(tenantName: tenant, username: user, serverURL: rt.publicBaseURL, caller: .cli)
            }
            print("activation for \(issued.username) at \(issued.tenant), single use, valid until \(issued.expiresAt.formatted(.iso8601)):")
            print(issued.uri)
        }
    }
}

/// `lifeline pin block --tenant T --user U [--reason R]`: the console's "Block PIN" (helpdesk action `pin_block`).
struct PINCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pin", abstract: "The Lifeline Authenticator's PIN.",
                                                    subcommands: [Block.self])

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block the user's authenticator PIN at the organization (audited, the user is notified).")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var target: HelpdeskTarget
        func run() async throws {
            let result = try await target.perform(.pinBlock, storage: storage)
            print("the authenticator of \(result.username) at \(result.tenant) is blocked; Display UBC (lifeline ubc show) unblocks it")
        }
    }
}

/// `lifeline ubc show --tenant T --user U [--reason R]`: the console's "Display UBC" (helpdesk action `ubc_display`):
/// a new unblocking code, printed alone on the last line.
struct UBCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ubc", abstract: "Lifeline Authenticator unblocking codes (UBC).",
                                                    subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Display a new unblocking code (replaces the user's previous one; audited, the user is notified); printed alone on the last line.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var target: HelpdeskTarget
        func run() async throws {
            let result = try await target.perform(.ubcDisplay, storage: storage)
            guard let ubc = result.ubc else { throw LifelineError(.internalError, "no unblocking code was displayed") }
            print("unblocking code for \(result.username) at \(result.tenant), valid until \(ubc.expiresAt.formatted(.iso8601)); it is shown only now:")
            print(ubc.code)
        }
    }
}

/// The user and ticket of a helpdesk action run from the command line.
struct HelpdeskTarget: ParsableArguments {
    @Option(help: "Tenant (organization) name.") var tenant: String
    @Option(help: "Username.") var user: String
    @Option(help: "Ticket reference or reason for the audit log (3 to 200 characters).") var reason = "server command line"

    /// Runs `action` through ``HelpdeskService/perform(tenantName:username:_:caller:)`` as the local server operator
    /// (``Principal/cli``), so that it gets the console's reason check, audit record and notice.
    ///
    /// Why a tenant's `require_caller_verification` still refuses it here: the CLI has no caller on the line to verify
    /// (the verification is per operator and user, ``HelpdeskService``), and a shell on the server must not be a way
    /// around the organization's rule; such an action is done in the console, after verifying the caller. Why
    /// four-eyes waits the same way: the request is stored and a second operator approves it in the console.
    func perform(_ action: HelpdeskAction, storage: StorageOptions) async throws -> HelpdeskResult {
        let outcome = try await withRuntime(storage) { rt in
            try await rt.helpdesk.perform(tenantName: tenant, username: user, HelpdeskRequest(action: action, reason: reason), caller: .cli)
        }
        switch outcome {
        case .done(let result): return result
        case .pending(let request):
            FileHandle.standardError.write(Data("lifeline: \(action.rawValue) waits for a second operator's approval (request \(request.id.uuidString.lowercased()), console: Approvals)\n".utf8))
            throw ExitCode(3)
        }
    }
}
