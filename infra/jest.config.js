// The live Prometheus test starts five processes; give it room on a 2-core machine.
module.exports = { ...require('../jest.preset.js'), displayName: 'infra', rootDir: __dirname, testTimeout: 240000 };
