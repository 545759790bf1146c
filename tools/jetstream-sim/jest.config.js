module.exports = { ...require('../../jest.preset.js'), displayName: 'jetstream-sim', rootDir: __dirname };
