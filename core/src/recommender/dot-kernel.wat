;; Dense scoring in WebAssembly SIMD (f32x4): out[i] = rows[i] · vec for every row of a matrix, the whole
;; cost of a factor model's /recommend and /similar (50,000 movies × 64 factors is 3.2 M multiply-adds).
;; Pointers are byte offsets the host lays out (dot-kernel.ts); rows are `stride` floats apart, and `stride`
;; is a multiple of 4 (the host pads rows and the vector with zero columns, which add nothing).
;; Four rows at a time, two accumulators each: eight independent add chains keep the SIMD units busy where
;; one row's chain would wait on each add's latency, and every vector load serves four rows.
;; Rebuild dot-kernel-wasm.ts after editing: node scripts/build-wasm.ts core/src/recommender/dot-kernel.wat
(module
  (memory (import "env" "memory") 1 65536)

  ;; [a0+a2+a1+a3, b.., c.., d..]: the four lane sums of four accumulators in one vector.
  (func $sum4 (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    (local.set $ab (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (f32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (f32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  (func (export "dot_rows") (param $rows i32) (param $vec i32) (param $out i32) (param $n i32) (param $stride i32)
    (local $row_bytes i32) (local $end i32) (local $end4 i32) (local $off i32) (local $off_end8 i32)
    (local $r1 i32) (local $r2 i32) (local $r3 i32) (local $v i32) (local $v_end i32) (local $v_end8 i32)
    (local $x v128) (local $y v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $row_bytes (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $off_end8 (i32.and (local.get $row_bytes) (i32.const -32)))
    (local.set $v_end (i32.add (local.get $vec) (local.get $row_bytes)))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    ;; Four rows per step.
    (block $done4
      (loop $quads
        (br_if $done4 (i32.ge_u (local.get $out) (local.get $end4)))
        (local.set $r1 (i32.add (local.get $rows) (local.get $row_bytes)))
        (local.set $r2 (i32.add (local.get $r1) (local.get $row_bytes)))
        (local.set $r3 (i32.add (local.get $r2) (local.get $row_bytes)))
        (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $b0 (v128.const f32x4 0 0 0 0)) (local.set $b1 (v128.const f32x4 0 0 0 0))
        (local.set $b2 (v128.const f32x4 0 0 0 0)) (local.set $b3 (v128.const f32x4 0 0 0 0))
        (local.set $v (local.get $vec))
        (local.set $v_end8 (i32.add (local.get $vec) (local.get $off_end8)))
        (block $done8
          (loop $by8
            (br_if $done8 (i32.ge_u (local.get $v) (local.get $v_end8)))
            (local.set $x (v128.load (local.get $v)))
            (local.set $y (v128.load offset=16 (local.get $v)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $rows)) (local.get $x))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (local.get $r1)) (local.get $x))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (local.get $r2)) (local.get $x))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (local.get $r3)) (local.get $x))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (v128.load offset=16 (local.get $rows)) (local.get $y))))
            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (v128.load offset=16 (local.get $r1)) (local.get $y))))
            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (v128.load offset=16 (local.get $r2)) (local.get $y))))
            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (v128.load offset=16 (local.get $r3)) (local.get $y))))
            (local.set $v (i32.add (local.get $v) (i32.const 32)))
            (local.set $rows (i32.add (local.get $rows) (i32.const 32)))
            (local.set $r1 (i32.add (local.get $r1) (i32.const 32)))
            (local.set $r2 (i32.add (local.get $r2) (i32.const 32)))
            (local.set $r3 (i32.add (local.get $r3) (i32.const 32)))
            (br $by8)))
        ;; A last four floats when the stride is not a multiple of 8.
        (if (i32.lt_u (local.get $v) (local.get $v_end))
          (then
            (local.set $x (v128.load (local.get $v)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (local.get $rows)) (local.get $x))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load (local.get $r1)) (local.get $x))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load (local.get $r2)) (local.get $x))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load (local.get $r3)) (local.get $x))))
            (local.set $r3 (i32.add (local.get $r3) (i32.const 16)))))
        (v128.store (local.get $out)
          (call $sum4
            (f32x4.add (local.get $a0) (local.get $b0)) (f32x4.add (local.get $a1) (local.get $b1))
            (f32x4.add (local.get $a2) (local.get $b2)) (f32x4.add (local.get $a3) (local.get $b3))))
        ;; r3 has walked to the end of the fourth row: the next quad starts there.
        (local.set $rows (local.get $r3))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $quads)))
    ;; The last n mod 4 rows, one at a time, summed in the same order.
    (block $done
      (loop $singles
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $b0 (v128.const f32x4 0 0 0 0))
        (local.set $off (i32.const 0))
        (block $done8
          (loop $by8
            (br_if $done8 (i32.ge_u (local.get $off) (local.get $off_end8)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $rows) (local.get $off)))
              (v128.load (i32.add (local.get $vec) (local.get $off))))))
            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $rows) (local.get $off)))
              (v128.load offset=16 (i32.add (local.get $vec) (local.get $off))))))
            (local.set $off (i32.add (local.get $off) (i32.const 32)))
            (br $by8)))
        (if (i32.lt_u (local.get $off) (local.get $row_bytes))
          (then
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $rows) (local.get $off)))
              (v128.load (i32.add (local.get $vec) (local.get $off))))))))
        (f32.store (local.get $out)
          (f32x4.extract_lane 0
            (call $sum4 (f32x4.add (local.get $a0) (local.get $b0))
              (v128.const f32x4 0 0 0 0) (v128.const f32x4 0 0 0 0) (v128.const f32x4 0 0 0 0))))
        (local.set $rows (i32.add (local.get $rows) (local.get $row_bytes)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $singles))))
)
