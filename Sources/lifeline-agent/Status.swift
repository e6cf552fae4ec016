import ArgumentParser
import Foundation
import LifelineAuthenticatorKit

/// `status [USER]`: what is held, until when, failures; never a secret.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the offline data held (per user: machine, validity, failures); never a secret. No network.")

    @Argument(help: "Only this username (or TENANT/USER).")
    var user: String?
    @OptionGroup var options: AgentOptions

    func run() async throws {
        let state = try await options.client().state()
        let now = try options.currentTime()
        var keys = state.users.keys.sorted()
        if let user {
            guard let k = try state.key(for: user) else { print("no offline data for \(user)"); throw ExitCode(1) }
            keys = [k]
        }
        if keys.isEmpty { print("no offline data held") }
        for k in keys {
            guard let e = state.users[k] else { continue }
            let d = e.data
            let validity = now > d.expiresAt ? "EXPIRED \(displayDate(d.expiresAt))" : "valid until \(displayDate(d.expiresAt))"
            var line = "\(k)\tmachine \(d.machine)\t\(validity)\tfailures \(e.failures)/\(d.maxFailures)\t\(d.pin ? "PIN + " : "")\(d.digits) digits"
            if let em = d.emergency {
                let kinds = [em.tokencode == nil ? nil : "tokencode", em.passcode == nil ? nil : "passcode"].compactMap { $0 }.joined(separator: ", ")
                line += "\temergency codes (\(kinds)) until \(displayDate(em.expiresAt))"
            }
            line += "\trefill \(e.refillToken == nil ? "no" : "yes")"
            print(line)
        }
    }
}

/// `wipe USER`: removes the user's offline data.
struct Wipe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove USER's offline data from this machine. Exit status 1 when none was held.")

    @Argument(help: "The username (or TENANT/USER).")
    var user: String
    @OptionGroup var options: AgentOptions

    func run() async throws {
        guard try await options.client().wipe(user: user) else { print("no offline data for \(user)"); throw ExitCode(1) }
        print("wiped the offline data of \(user)")
    }
}
