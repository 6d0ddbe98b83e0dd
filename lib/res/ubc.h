/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ's beancounters on a stock kernel. Each OpenVZ resource parameter
 * (physpages, numproc, kmemsize...) has a row here saying how it is stored
 * (ctid.conf key, barrier:limit in pages, bytes or items) and how this
 * kernel enforces it: a cgroup knob, a per-process rlimit, or nothing. The
 * report (`vzctl ubc`) reads the cgroup counters and says which is which.
 */
#ifndef VZ_UBC_H
#define VZ_UBC_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup/cgroup.h"
#include "core/error.h"

/* OpenVZ's "unlimited": LONG_MAX, shown as such in /proc/user_beancounters. */
#define VZ_UBC_UNLIMITED 9223372036854775807ULL
#define VZ_UBC_PAGE_SIZE 4096

enum vz_ubc_unit {
	VZ_UBC_PAGES, /* 4 KiB pages; a value with a K/M/G/T suffix is bytes */
	VZ_UBC_BYTES,
	VZ_UBC_ITEMS, /* processes, files, sockets...: no suffix */
};

/* Where a parameter's counter comes from in struct vz_cgroup_stats. */
enum vz_ubc_counter {
	VZ_UBC_C_NONE,
	VZ_UBC_C_MEM,
	VZ_UBC_C_SWAP,
	VZ_UBC_C_PIDS,
	VZ_UBC_C_KMEM,
	VZ_UBC_C_SOCK,
	VZ_UBC_C_OOM, /* no held; failcnt is the OOM kills in the CT, as in OpenVZ */
};

struct vz_ubc_param {
	const char *name; /* as in /proc/user_beancounters */
	const char *key;  /* ctid.conf key */
	enum vz_ubc_unit unit;
	unsigned cg_res;	     /* enum vz_cg_res bit that enforces its limit, or 0 */
	int rlimit;		     /* RLIMIT_* that enforces it per process, or -1 */
	bool devpts;		     /* enforced by the CT's devpts max= (numpty) */
	enum vz_ubc_counter counter; /* what "held" is read from */
	const char *note;	     /* why it is not enforced, for the report */
};

/* The table, in /proc/user_beancounters order, ended by a row with name NULL. */
const struct vz_ubc_param *vz_ubc_params(void);
const struct vz_ubc_param *vz_ubc_param_by_key(const char *key);
const struct vz_ubc_param *vz_ubc_param_by_name(const char *name);

/* barrier:limit in the parameter's unit; VZ_UBC_UNLIMITED for none. */
struct vz_ubc_value {
	uint64_t barrier;
	uint64_t limit;
};

/*
 * Parse "B:L", or "V" meaning V:V, each a number, a size with K/M/G/T/P
 * (pages and bytes parameters only) or "unlimited". Barrier above limit is
 * an error. VZ_E_VALUE errors name the key.
 */
int vz_ubc_parse(const char *key, const char *s, struct vz_ubc_value *ret, vz_error_t *err);
/* Config table validator for the beancounter keys. */
int vz_ubc_validate(const char *key, const char *value, vz_error_t *err);

/* The value of param in cfg (unlimited:unlimited when unset or invalid). */
struct vz_config;
struct vz_ubc_value vz_ubc_get(const struct vz_config *cfg, const struct vz_ubc_param *p);
/* The limit in bytes (pages scaled), VZ_CG_UNLIMITED for unlimited. */
uint64_t vz_ubc_limit_bytes(const struct vz_ubc_param *p, struct vz_ubc_value v);

/* How a parameter is enforced on this host. */
enum vz_ubc_how {
	VZ_UBC_NOT_ENFORCED,
	VZ_UBC_BY_CGROUP,
	VZ_UBC_BY_RLIMIT, /* per process, not per CT */
	VZ_UBC_BY_DEVPTS, /* the CT's own devpts instance, max= */
};

/* One line of `vzctl ubc`, in the parameter's unit. */
struct vz_ubc_row {
	const struct vz_ubc_param *param;
	enum vz_ubc_how how;
	bool have; /* held, maxheld and failcnt come from a kernel counter */
	bool have_failcnt;
	uint64_t held, maxheld, failcnt;
	uint64_t barrier, limit; /* as configured */
};

/*
 * Fill rows (one per parameter, vz_ubc_count() of them) for the CT whose
 * config is cfg, from st (the CT's counters; NULL when it is not running).
 */
size_t vz_ubc_count(void);
void vz_ubc_rows(const struct vz_config *cfg, const struct vz_cgroup_stats *st,
		 struct vz_ubc_row *rows);
const char *vz_ubc_how_name(enum vz_ubc_how how);

#endif
