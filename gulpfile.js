const { task, src, dest, parallel } = require('gulp');

// Icons are not touched by tsc: copy them next to the built nodes and credentials.
function nodeIcons() {
	return src('nodes/**/*.{png,svg}', { encoding: false }).pipe(dest('dist/nodes'));
}
function credentialIcons() {
	return src('credentials/**/*.{png,svg}', { encoding: false }).pipe(dest('dist/credentials'));
}

task('build:icons', parallel(nodeIcons, credentialIcons));
