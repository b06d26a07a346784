# Teacher–student theory: batched online-SGD simulations and ODE integrations
# (Refinetti et al. 2021 Sec. 1 / App. A; Srinivasan et al. 2024 Sec. 4 / App. E).

from fa_repro.figures.leaves import teacher_student_table
from fa_repro.teacher_student.runs import parallel_shards

TS_EXPERIMENTS = list(CFG["teacher_student"])


rule ts_simulate:
    message:
        "ts_simulate {wildcards.experiment}"
    output:
        OUT + teacher_student_table("{experiment}", "sim"),
    input:
        code("fa_repro.teacher_student.experiments"),
    params:
        experiment=lambda w: json.dumps(CFG["teacher_student"][w.experiment], sort_keys=True),
        backend=CFG["simulation"]["backend"],
    wildcard_constraints:
        experiment="|".join(TS_EXPERIMENTS),
    log:
        OUT + "logs/teacher_student/{experiment}/simulation.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/ts_simulate/{experiment}.tsv",
    threads: lambda w: parallel_shards(w.experiment, CFG["teacher_student"][w.experiment])
    resources:
        mem_mb=CFG["compute"]["teacher_student"]["mem_mb"],
        runtime=CFG["compute"]["teacher_student"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli ts-simulate {wildcards.experiment} --params {params.experiment:q} "
        "--backend {params.backend} --workers {threads} --out {output} 2>> {log}"


rule ts_ode:
    message:
        "ts_ode {wildcards.experiment}"
    output:
        OUT + teacher_student_table("{experiment}", "ode"),
    input:
        code("fa_repro.teacher_student.experiments"),
    params:
        experiment=lambda w: json.dumps(CFG["teacher_student"][w.experiment], sort_keys=True),
        rtol=CFG["ode"]["rtol"],
        atol=CFG["ode"]["atol"],
        quadrature_points=CFG["ode"]["quadrature_points"],
    wildcard_constraints:
        experiment="|".join(TS_EXPERIMENTS),
    log:
        OUT + "logs/teacher_student/{experiment}/ode.log",
    benchmark:  # wall and CPU time, peak memory of the job (benchmarks/build_cost.py sums them)
        OUT + "results/benchmarks/ts_ode/{experiment}.tsv",
    resources:
        mem_mb=CFG["compute"]["teacher_student"]["mem_mb"],
        runtime=CFG["compute"]["teacher_student"]["runtime_min"],
    shell:
        "echo 'input: {input}' > {log}; "
        "{PY} -m fa_repro.cli ts-ode {wildcards.experiment} --params {params.experiment:q} "
        "--rtol {params.rtol} --atol {params.atol} --quadrature-points {params.quadrature_points} --out {output} "
        "2>> {log}"
