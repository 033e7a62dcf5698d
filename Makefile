# sam build (template.yaml: BuildMethod: makefile) runs `make build-RotationFunction`
# with ARTIFACTS_DIR set. scripts/package.sh stays the one place that knows how to
# build, so the directory sam deploys holds exactly the files of dist/rotator.zip
# (the database CA bundle from ca/db-ca-bundle.pem included, see docs/deploy.md).
# sam shows make's standard output as it comes and its standard error only on
# failure: package.sh's report (which CA bundle, how many certificates, or the
# warning that there is none) goes to standard output so every build shows it.
.PHONY: build-RotationFunction
build-RotationFunction:
	scripts/package.sh "$(ARTIFACTS_DIR)/rotator.zip" 2>&1 >/dev/null
	cd "$(ARTIFACTS_DIR)" && unzip -q -o rotator.zip && rm -f rotator.zip rotator.sbom.cdx.json
