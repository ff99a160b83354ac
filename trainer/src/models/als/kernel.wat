;; The hot loops of implicit ALS in WebAssembly SIMD (f32x4), after implicit's CPU solver
;; (implicit/cpu/_als.pyx, `_least_squares_cg`): float32 throughout, like implicit's sdot/saxpy/ssymv.
;; All pointers are byte offsets into the shared memory the host lays out (layout.ts); the factor count
;; k is a multiple of 4 (the host pads factors with zero columns, which stay zero).
;; Rebuild kernel-wasm.ts after editing: node scripts/build-wasm.ts trainer/src/models/als/kernel.wat
(module
  (memory (import "env" "memory") 1 65536 shared)

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; a · b over k floats; four accumulators hide the add latency.
  (func $dot (param $a i32) (param $b i32) (param $k i32) (result f32)
    (local $end i32) (local $end16 i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $a) (i32.shl (i32.and (local.get $k) (i32.const -16)) (i32.const 2))))
    (block $done16
      (loop $by16
        (br_if $done16 (i32.ge_u (local.get $a) (local.get $end16)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b)))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (v128.load offset=32 (local.get $a)) (v128.load offset=32 (local.get $b)))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (v128.load offset=48 (local.get $a)) (v128.load offset=48 (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 64)))
        (br $by16)))
    (block $done4
      (loop $by4
        (br_if $done4 (i32.ge_u (local.get $a) (local.get $end)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (local.get $a)) (v128.load (local.get $b)))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $by4)))
    (call $hsum (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))))

  ;; y += t · x over k floats.
  (func $axpy (param $t f32) (param $x i32) (param $y i32) (param $k i32)
    (local $end i32) (local $end16 i32) (local $tv v128)
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $end (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 2))))
    (local.set $end16 (i32.add (local.get $x) (i32.shl (i32.and (local.get $k) (i32.const -16)) (i32.const 2))))
    (block $done16
      (loop $by16
        (br_if $done16 (i32.ge_u (local.get $x) (local.get $end16)))
        (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
          (f32x4.mul (local.get $tv) (v128.load (local.get $x)))))
        (v128.store offset=16 (local.get $y) (f32x4.add (v128.load offset=16 (local.get $y))
          (f32x4.mul (local.get $tv) (v128.load offset=16 (local.get $x)))))
        (v128.store offset=32 (local.get $y) (f32x4.add (v128.load offset=32 (local.get $y))
          (f32x4.mul (local.get $tv) (v128.load offset=32 (local.get $x)))))
        (v128.store offset=48 (local.get $y) (f32x4.add (v128.load offset=48 (local.get $y))
          (f32x4.mul (local.get $tv) (v128.load offset=48 (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 64)))
        (local.set $y (i32.add (local.get $y) (i32.const 64)))
        (br $by16)))
    (block $done4
      (loop $by4
        (br_if $done4 (i32.ge_u (local.get $x) (local.get $end)))
        (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
          (f32x4.mul (local.get $tv) (v128.load (local.get $x)))))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $by4))))

  ;; Four rows against one vector: (a · v, b · v, c · v, d · v), one pass over v.
  (func $dot4 (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $v i32) (param $k i32)
    (result f32 f32 f32 f32)
    (local $end i32) (local $x v128) (local $sa v128) (local $sb v128) (local $sc v128) (local $sd v128)
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $by4
        (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
        (local.set $x (v128.load (local.get $v)))
        (local.set $sa (f32x4.add (local.get $sa) (f32x4.mul (v128.load (local.get $a)) (local.get $x))))
        (local.set $sb (f32x4.add (local.get $sb) (f32x4.mul (v128.load (local.get $b)) (local.get $x))))
        (local.set $sc (f32x4.add (local.get $sc) (f32x4.mul (v128.load (local.get $c)) (local.get $x))))
        (local.set $sd (f32x4.add (local.get $sd) (f32x4.mul (v128.load (local.get $d)) (local.get $x))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br $by4)))
    (call $hsum (local.get $sa))
    (call $hsum (local.get $sb))
    (call $hsum (local.get $sc))
    (call $hsum (local.get $sd)))

  ;; y += s·a + t·b + u·c + w·d over k floats: one pass over y for four rows.
  (func $axpy4 (param $s f32) (param $a i32) (param $t f32) (param $b i32) (param $u f32) (param $c i32)
    (param $w f32) (param $d i32) (param $y i32) (param $k i32)
    (local $end i32) (local $sv v128) (local $tv v128) (local $uv v128) (local $wv v128)
    (local.set $sv (f32x4.splat (local.get $s)))
    (local.set $tv (f32x4.splat (local.get $t)))
    (local.set $uv (f32x4.splat (local.get $u)))
    (local.set $wv (f32x4.splat (local.get $w)))
    (local.set $end (i32.add (local.get $y) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $by4
        (br_if $done (i32.ge_u (local.get $y) (local.get $end)))
        (v128.store (local.get $y) (f32x4.add (v128.load (local.get $y))
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $sv) (v128.load (local.get $a))) (f32x4.mul (local.get $tv) (v128.load (local.get $b))))
            (f32x4.add (f32x4.mul (local.get $uv) (v128.load (local.get $c))) (f32x4.mul (local.get $wv) (v128.load (local.get $d)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (br $by4))))

  ;; The residual's weight of item row y_i given c = c_ui and d = y_i · x_u: c·p − (|c| − 1)·d with
  ;; p = 1 when c > 0, else 0 (implicit's reading of a stored value).
  (func $residual_weight (param $c f32) (param $d f32) (result f32)
    (if (result f32) (f32.gt (local.get $c) (f32.const 0))
      (then (f32.sub (local.get $c) (f32.mul (f32.sub (local.get $c) (f32.const 1)) (local.get $d))))
      (else (f32.neg (f32.mul (f32.sub (f32.neg (local.get $c)) (f32.const 1)) (local.get $d))))))

  ;; out = scale · A v for the symmetric k×k A: a sum of A's rows weighted by v, so no horizontal adds.
  (func $symv (param $a i32) (param $v i32) (param $out i32) (param $k i32) (param $scale f32)
    (local $j i32) (local $row i32)
    (memory.fill (local.get $out) (i32.const 0) (i32.shl (local.get $k) (i32.const 2)))
    (local.set $row (i32.shl (local.get $k) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (call $axpy
          (f32.mul (local.get $scale) (f32.load (i32.add (local.get $v) (i32.shl (local.get $j) (i32.const 2)))))
          (local.get $a) (local.get $out) (local.get $k))
        (local.set $a (i32.add (local.get $a) (local.get $row)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rows))))

  ;; p = r + beta · p over k floats.
  (func $xpby (param $r i32) (param $beta f32) (param $p i32) (param $k i32)
    (local $end i32) (local $bv v128)
    (local.set $bv (f32x4.splat (local.get $beta)))
    (local.set $end (i32.add (local.get $r) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $by4
        (br_if $done (i32.ge_u (local.get $r) (local.get $end)))
        (v128.store (local.get $p) (f32x4.add (v128.load (local.get $r))
          (f32x4.mul (local.get $bv) (v128.load (local.get $p)))))
        (local.set $r (i32.add (local.get $r) (i32.const 16)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $by4))))

  ;; Conjugate-gradient update of rows [from, to) of X, warm-started from their current values:
  ;; solves (A + Yᵀ(C_u − I)Y) x_u = Yᵀ C_u p_u with A = YtY + reg·I, in at most cg_steps steps.
  ;; indptr/indices are u32, confidence f32 (c > 0: preference 1 with confidence c; c ≤ 0: preference 0
  ;; with confidence |c|); r, p, ap are k floats of this thread's scratch.
  (func (export "solve_rows")
    (param $indptr i32) (param $indices i32) (param $confidence i32)
    (param $x i32) (param $y i32) (param $a i32) (param $k i32) (param $cg_steps i32)
    (param $from i32) (param $to i32) (param $r i32) (param $p i32) (param $ap i32)
    (local $u i32) (local $xo i32) (local $yo i32) (local $e i32) (local $start i32) (local $end i32)
    (local $row_bytes i32) (local $c f32) (local $rs_old f32) (local $rs_new f32)
    (local $alpha f32) (local $step i32) (local $yo2 i32) (local $yo3 i32) (local $yo4 i32)
    (local $d1 f32) (local $d2 f32) (local $d3 f32) (local $d4 f32)
    (local.set $row_bytes (i32.shl (local.get $k) (i32.const 2)))
    (local.set $u (local.get $from))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $u) (local.get $to)))
        (block $next_row
          (local.set $xo (i32.add (local.get $x) (i32.mul (local.get $u) (local.get $row_bytes))))
          (local.set $start (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
          (local.set $end (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
          (if (i32.eq (local.get $start) (local.get $end))
            (then
              (memory.fill (local.get $xo) (i32.const 0) (local.get $row_bytes))
              (br $next_row)))
          ;; r = Yᵀ C_u p_u − (A + Yᵀ(C_u − I)Y) x_u
          (call $symv (local.get $a) (local.get $xo) (local.get $r) (local.get $k) (f32.const -1))
          (local.set $e (local.get $start))
          (block $quads_done
            (loop $quads
              (br_if $quads_done (i32.ge_u (i32.add (local.get $e) (i32.const 3)) (local.get $end)))
              (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                (i32.load offset=0 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
              (local.set $yo2 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                (i32.load offset=4 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
              (local.set $yo3 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                (i32.load offset=8 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
              (local.set $yo4 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                (i32.load offset=12 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
              (call $dot4 (local.get $yo) (local.get $yo2) (local.get $yo3) (local.get $yo4) (local.get $xo) (local.get $k))
              (local.set $d4)
              (local.set $d3)
              (local.set $d2)
              (local.set $d1)
              (call $axpy4
                (call $residual_weight (f32.load offset=0 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2)))) (local.get $d1)) (local.get $yo)
                (call $residual_weight (f32.load offset=4 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2)))) (local.get $d2)) (local.get $yo2)
                (call $residual_weight (f32.load offset=8 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2)))) (local.get $d3)) (local.get $yo3)
                (call $residual_weight (f32.load offset=12 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2)))) (local.get $d4)) (local.get $yo4)
                (local.get $r) (local.get $k))
              (local.set $e (i32.add (local.get $e) (i32.const 4)))
              (br $quads)))
          (block $ones_done
            (loop $ones
              (br_if $ones_done (i32.ge_u (local.get $e) (local.get $end)))
              (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                (i32.load offset=0 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
              (call $axpy
                (call $residual_weight (f32.load offset=0 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2)))) (call $dot (local.get $yo) (local.get $xo) (local.get $k)))
                (local.get $yo) (local.get $r) (local.get $k))
              (local.set $e (i32.add (local.get $e) (i32.const 1)))
              (br $ones)))
          (memory.copy (local.get $p) (local.get $r) (local.get $row_bytes))
          (local.set $rs_old (call $dot (local.get $r) (local.get $r) (local.get $k)))
          (br_if $next_row (f32.lt (local.get $rs_old) (f32.const 1e-20)))
          (local.set $step (i32.const 0))
          (block $cg_done
            (loop $cg
              (br_if $cg_done (i32.ge_u (local.get $step) (local.get $cg_steps)))
              ;; Ap = A p + Yᵀ(C_u − I)Y p, without forming Yᵀ C_u Y
              (call $symv (local.get $a) (local.get $p) (local.get $ap) (local.get $k) (f32.const 1))
              (local.set $e (local.get $start))
              ;; items four at a time (dot4/axpy4 share the loads of p and Ap), then one at a time
              (block $quads_done
                (loop $quads
                  (br_if $quads_done (i32.ge_u (i32.add (local.get $e) (i32.const 3)) (local.get $end)))
                  (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                    (i32.load offset=0 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
                  (local.set $yo2 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                    (i32.load offset=4 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
                  (local.set $yo3 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                    (i32.load offset=8 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
                  (local.set $yo4 (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                    (i32.load offset=12 (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
                  (call $dot4 (local.get $yo) (local.get $yo2) (local.get $yo3) (local.get $yo4) (local.get $p) (local.get $k))
                  (local.set $d4)
                  (local.set $d3)
                  (local.set $d2)
                  (local.set $d1)
                  (call $axpy4
                    (f32.mul (f32.sub (f32.abs (f32.load offset=0 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2))))) (f32.const 1)) (local.get $d1)) (local.get $yo)
                    (f32.mul (f32.sub (f32.abs (f32.load offset=4 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2))))) (f32.const 1)) (local.get $d2)) (local.get $yo2)
                    (f32.mul (f32.sub (f32.abs (f32.load offset=8 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2))))) (f32.const 1)) (local.get $d3)) (local.get $yo3)
                    (f32.mul (f32.sub (f32.abs (f32.load offset=12 (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2))))) (f32.const 1)) (local.get $d4)) (local.get $yo4)
                    (local.get $ap) (local.get $k))
                  (local.set $e (i32.add (local.get $e) (i32.const 4)))
                  (br $quads)))
              (block $ones_done
                (loop $ones
                  (br_if $ones_done (i32.ge_u (local.get $e) (local.get $end)))
                  (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $row_bytes)
                    (i32.load (i32.add (local.get $indices) (i32.shl (local.get $e) (i32.const 2)))))))
                  (local.set $c (f32.abs (f32.load (i32.add (local.get $confidence) (i32.shl (local.get $e) (i32.const 2))))))
                  (call $axpy
                    (f32.mul (f32.sub (local.get $c) (f32.const 1)) (call $dot (local.get $yo) (local.get $p) (local.get $k)))
                    (local.get $yo) (local.get $ap) (local.get $k))
                  (local.set $e (i32.add (local.get $e) (i32.const 1)))
                  (br $ones)))
              (local.set $alpha (f32.div (local.get $rs_old) (call $dot (local.get $p) (local.get $ap) (local.get $k))))
              (call $axpy (local.get $alpha) (local.get $p) (local.get $xo) (local.get $k))
              (call $axpy (f32.neg (local.get $alpha)) (local.get $ap) (local.get $r) (local.get $k))
              (local.set $rs_new (call $dot (local.get $r) (local.get $r) (local.get $k)))
              (br_if $cg_done (f32.lt (local.get $rs_new) (f32.const 1e-20)))
              (call $xpby (local.get $r) (f32.div (local.get $rs_new) (local.get $rs_old)) (local.get $p) (local.get $k))
              (local.set $rs_old (local.get $rs_new))
              (local.set $step (i32.add (local.get $step) (i32.const 1)))
              (br $cg))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rows))))

  ;; out (k×k f32, zeroed here) = Σ over rows [from, to) of y_row y_rowᵀ.
  (func (export "gram_rows") (param $y i32) (param $k i32) (param $from i32) (param $to i32) (param $out i32)
    (local $row_bytes i32) (local $yo i32) (local $end i32) (local $i i32)
    (local.set $row_bytes (i32.shl (local.get $k) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $row_bytes) (local.get $k)))
    (local.set $yo (i32.add (local.get $y) (i32.mul (local.get $from) (local.get $row_bytes))))
    (local.set $end (i32.add (local.get $y) (i32.mul (local.get $to) (local.get $row_bytes))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $yo) (local.get $end)))
        (local.set $i (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $i) (local.get $k)))
            (call $axpy
              (f32.load (i32.add (local.get $yo) (i32.shl (local.get $i) (i32.const 2))))
              (local.get $yo)
              (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $row_bytes)))
              (local.get $k))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $cols)))
        (local.set $yo (i32.add (local.get $yo) (local.get $row_bytes)))
        (br $rows)))))
