module.exports = { ...require('../../jest.preset.js'), displayName: 'schema', rootDir: __dirname };
