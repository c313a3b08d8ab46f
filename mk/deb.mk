# SPDX-License-Identifier: GPL-2.0-or-later
# `make deb`: build the Debian package from a copy of the tree into $(BUILD)/deb, then lintian.
# `make install-deb`: build it and install it with apt.
#
# The copy keeps dpkg-buildpackage's by-products (debian/nicguard/, debian/files, the object
# tree) out of the working tree, where other builds run in parallel.

DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/nicguard
LINTIAN ?= lintian
# The package builds with its own flags (dpkg-buildflags) in its own tree: nothing of this
# make's command line (BUILD=, CFLAGS=, -j) may leak into it through the environment.
DEB_ENV := env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD
# One info tag is left out: nicguard-watch starts only through its systemd unit, on purpose
# (Type=notify, the unit's sandbox), and Debian 13's lintian calls an override of this tag, which
# it no longer knows, an error (alien-tag). tests/pkg/run.sh says the same.
LINTIAN_FLAGS ?= --fail-on error,warning --display-info --tag-display-limit 0 \
	--suppress-tags package-supports-alternative-init-but-no-init.d-script

.PHONY: deb deb-build deb-lint install-deb
# Sequential under -j: lintian reads what deb-build writes.
deb: deb-build
	$(LINTIAN) $(LINTIAN_FLAGS) $(DEB_DIR)/*.changes $(DEB_DIR)/*.dsc

deb-build:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	tar --exclude-vcs --exclude='./build*' --exclude=./.cache \
		--exclude=./debian/nicguard --exclude=./debian/.debhelper --exclude=./debian/tmp \
		--exclude=./debian/files --exclude='./debian/*.substvars' \
		--exclude='./debian/*.debhelper*' -cf - . | tar -C $(DEB_SRC) -xf -
	cd $(DEB_SRC) && dpkg-source -b . >/dev/null
	cd $(DEB_SRC) && $(DEB_ENV) dpkg-buildpackage -us -uc -b
	@ls -l $(DEB_DIR)/*.deb

# lintian on what the last deb-build left.
deb-lint:
	$(LINTIAN) $(LINTIAN_FLAGS) $(DEB_DIR)/*.changes $(DEB_DIR)/*.dsc

# lintian is the developer's gate (make deb); installing needs only the build.
install-deb: deb-build
	apt-get install -y $(abspath $(DEB_DIR))/$$(cd $(DEB_DIR) && ls nicguard_*.deb)
