# sam build (template.yaml: BuildMethod: makefile) runs `make build-RotationFunction`
# with ARTIFACTS_DIR set. scripts/package.sh stays the one place that knows how to
# build, so the directory sam deploys holds exactly the files of dist/rotator.zip.
.PHONY: build-RotationFunction
build-RotationFunction:
	scripts/package.sh "$(ARTIFACTS_DIR)/rotator.zip" >/dev/null
	cd "$(ARTIFACTS_DIR)" && unzip -q -o rotator.zip && rm -f rotator.zip
