/* emd.c - placeholder until the implementation lands (owner replaces this whole file). */
#include "internal.h"

void wass_options_default(wass_options *opt) { (void)opt; }

int wass_mass_parse(const char *name, wass_mass_mode *out) { (void)name; (void)out; return WASS_ERR_UNSUPPORTED; }

int wass_emd(const wass_problem *pb, const wass_options *opt, wass_result *res, wass_error_info *err) { (void)pb; (void)opt; (void)res; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

void wass_result_free(wass_result *res) { (void)res; }

int wass_certify(const wass_problem *pb, const wass_options *opt, const wass_result *res, wass_certificate *cert) { (void)pb; (void)opt; (void)res; (void)cert; return WASS_ERR_UNSUPPORTED; }

int wass_critic(const wass_problem *pb, const wass_result *res, double *f_a, double *f_b, double *lipschitz_violation, wass_error_info *err) { (void)pb; (void)res; (void)f_a; (void)f_b; (void)lipschitz_violation; return wass__fail(err, WASS_ERR_UNSUPPORTED, "not implemented yet"); }

