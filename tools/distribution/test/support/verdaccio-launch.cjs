// Runs verdaccio (a real npm registry) in its own process, on 127.0.0.1 and a free port, and prints
// "listening <port>" once it accepts requests. Arguments: the verdaccio package folder, the config file.
const [verdaccioDir, configFile] = process.argv.slice(2);
const { runServer } = require(verdaccioDir);

runServer(configFile).then(
  (server) => {
    server.listen(0, "127.0.0.1", () => process.stdout.write(`listening ${server.address().port}\n`));
    // SIGTERM from the test: stop accepting, then exit once open requests are done.
    process.once("SIGTERM", () => server.close(() => process.exit(0)));
  },
  (error) => {
    process.stderr.write(`verdaccio failed to start: ${error.stack || error}\n`);
    process.exit(1);
  },
);
