import ArgumentParser
import Foundation
import LifelineApp
import LifelineCore

/// `lifeline card`: smart cards for PIN unblock. Keys go in (CSV import) and never come out.
struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "card", abstract: "Manage smart cards (PIN unblock).",
                                                    subcommands: [Import.self, List.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import cards from a CSV file with the header username,serial,algorithm,key (all or nothing).",
            discussion: """
                algorithm is 3des (48 hex digits key), aes128 (32), aes192 (48) or aes256 (64). Every line is checked \
                first; if any is bad, nothing is imported and each bad line is reported as 'line N: ...'. Prints the \
                serials imported, never a key. See docs/card-unblock.md for the key rules.
                """)
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "The CSV file.") var file: String
        func run() async throws {
            guard let data = FileManager.default.contents(atPath: file) else { throw LifelineError(.invalidRequest, "cannot read \(file)") }
            // The file's shape is checked before the database is opened: a malformed file changes nothing.
            let lines = try CardImportLine.parseCSV(String(decoding: data, as: UTF8.self))
            let cards = try await withRuntime(storage) { try await $0.admin.importCards(tenantName: tenant, lines, caller: .cli) }
            for card in cards { print(card.serial) }
            print("imported \(cards.count) card\(cards.count == 1 ? "" : "s") into \(tenant)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cards of a tenant or of one user.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Tenant name.") var tenant: String
        @Argument(help: "Only this user's cards.") var user: String?
        func run() async throws {
            let (_, cards, names) = try await withRuntime(storage) { try await $0.admin.listCards(tenantName: tenant, username: user, caller: .cli) }
            print("serial\tuser\talgorithm\tcreated_at")
            let format = ISO8601DateFormatter()
            for c in cards { print("\(c.serial)\t\(names[c.userID] ?? "?")\t\(c.algorithm.rawValue)\t\(format.string(from: c.createdAt))") }
        }
    }
}
