// The VS Code client: starts `leanos-prove lsp` over standard input and output for `.adt` files.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("leanos");
  const command = config.get("server.path", "leanos-prove");
  const args = ["lsp", ...config.get("server.extraArgs", [])];
  const serverOptions = { run: { command, args }, debug: { command, args } };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "leanos" }, { scheme: "untitled", language: "leanos" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/{*.adt,leanos.toml}") },
  };
  client = new LanguageClient("leanos", "leanos-prove", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
